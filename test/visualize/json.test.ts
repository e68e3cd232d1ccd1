import { describe, expect, it } from "vitest";
import { BuildError, Dataflow, op } from "../../src/index.js";
import { TestingSink, TestingSource } from "../../src/testing/index.js";
import { toJson } from "../../src/visualize/index.js";

describe("toJson", () => {
  it("describes every step with its ports and the substeps of derived operators", () => {
    const flow = new Dataflow("f");
    flow
      .input("in", new TestingSource([1]))
      .map("add", (x) => x + 1)
      .output("out", new TestingSink([]));
    expect(JSON.parse(toJson(flow))).toEqual({
      type: "Dataflow",
      flowId: "f",
      substeps: [
        {
          type: "Operator",
          opType: "input",
          stepName: "in",
          stepId: "f.in",
          upPorts: [],
          downPorts: [{ portName: "down", portId: "f.in.down", streamId: "f.in.down" }],
          substeps: [],
        },
        {
          type: "Operator",
          opType: "map",
          stepName: "add",
          stepId: "f.add",
          upPorts: [{ portName: "up", portId: "f.add.up", fromStreamIds: ["f.in.down"] }],
          downPorts: [{ portName: "down", portId: "f.add.down", streamId: "f.add.flat_map_batch.down" }],
          substeps: [
            {
              type: "Operator",
              opType: "flatMapBatch",
              stepName: "flat_map_batch",
              stepId: "f.add.flat_map_batch",
              upPorts: [{ portName: "up", portId: "f.add.flat_map_batch.up", fromStreamIds: ["f.in.down"] }],
              downPorts: [
                { portName: "down", portId: "f.add.flat_map_batch.down", streamId: "f.add.flat_map_batch.down" },
              ],
              substeps: [],
            },
          ],
        },
        {
          type: "Operator",
          opType: "output",
          stepName: "out",
          stepId: "f.out",
          upPorts: [{ portName: "up", portId: "f.out.up", fromStreamIds: ["f.add.flat_map_batch.down"] }],
          downPorts: [],
          substeps: [],
        },
      ],
    });
  });

  it("lists every stream of a multi-stream port and every output port", () => {
    const flow = new Dataflow("f");
    const { trues, falses } = flow.input("in", new TestingSource([1, 2])).branch("even", (x) => x % 2 === 0);
    op.merge("both", trues, falses).output("out", new TestingSink([]));
    const [, even, both] = JSON.parse(toJson(flow)).substeps;
    expect(even.downPorts).toEqual([
      { portName: "trues", portId: "f.even.trues", streamId: "f.even.trues" },
      { portName: "falses", portId: "f.even.falses", streamId: "f.even.falses" },
    ]);
    expect(both.upPorts).toEqual([
      { portName: "ups", portId: "f.both.ups", fromStreamIds: ["f.even.trues", "f.even.falses"] },
    ]);
  });

  it("nests substeps of operators built from derived operators", () => {
    const flow = new Dataflow("f");
    flow
      .input("in", new TestingSource([[1, 2]]))
      .flatten("flat")
      .output("out", new TestingSink([]));
    const flat = JSON.parse(toJson(flow)).substeps[1];
    const ids = (s: { stepId: string; substeps: unknown[] }): string[] => [
      s.stepId,
      ...s.substeps.flatMap((c) => ids(c as { stepId: string; substeps: unknown[] })),
    ];
    expect(ids(flat)[0]).toBe("f.flat");
    expect(ids(flat).length).toBeGreaterThan(1);
    expect(ids(flat).every((id) => id.startsWith("f.flat"))).toBe(true);
  });

  it("is indented with two spaces and holds no functions, sources or sinks", () => {
    const flow = new Dataflow("f");
    flow.input("in", new TestingSource([1])).output("out", new TestingSink([]));
    const text = toJson(flow);
    expect(text.startsWith('{\n  "type": "Dataflow",\n  "flowId": "f",\n  "substeps": [\n    {\n')).toBe(true);
    expect(text).not.toMatch(/"core"|"builtin"|"source"|"sink"/);
  });

  it("rejects anything but a Dataflow", () => {
    expect(() => toJson("f" as unknown as Dataflow)).toThrow(BuildError);
    expect(() => toJson(null as unknown as Dataflow)).toThrow("toJson needs a Dataflow; got null");
  });
});

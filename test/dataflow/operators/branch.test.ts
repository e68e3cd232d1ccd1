import { describe, expect, it } from "vitest";
import { Dataflow, op } from "../../../src/index.js";
import { runMain, TestingSink, TestingSource } from "../../../src/testing/index.js";
import { expectStepError, runFailing } from "../helpers.js";

describe("op.branch", () => {
  it("sends items to trues or falses, keeping order on each side", async () => {
    const evens: number[] = [];
    const odds: number[] = [];
    const flow = new Dataflow("f");
    const { trues, falses } = flow.input("in", new TestingSource([1, 2, 3, 4, 5], 2)).branch("even", (x) => x % 2 === 0);
    trues.output("out_t", new TestingSink(evens));
    falses.output("out_f", new TestingSink(odds));
    await runMain(flow);
    expect(evens).toEqual([2, 4]);
    expect(odds).toEqual([1, 3, 5]);
  });

  it("works the same in op form, with a type-guard predicate", async () => {
    const strs: string[] = [];
    const nums: number[] = [];
    const flow = new Dataflow("f");
    const up = flow.input("in", new TestingSource<string | number>(["a", 1, "b", 2]));
    const out = op.branch("kind", up, (x): x is string => typeof x === "string");
    out.trues.map("up", (s) => s.toUpperCase()).output("out_t", new TestingSink(strs));
    out.falses.map("inc", (n) => n + 1).output("out_f", new TestingSink(nums));
    await runMain(flow);
    expect(strs).toEqual(["A", "B"]);
    expect(nums).toEqual([2, 3]);
  });

  it("records two output ports", () => {
    const flow = new Dataflow("f");
    const { trues, falses } = flow.input("in", new TestingSource([1])).branch("b", (x) => x > 0);
    expect(trues.streamId).toBe("f.b.trues");
    expect(falses.streamId).toBe("f.b.falses");
    expect(flow.substeps[1]).toMatchObject({ opType: "branch", downPorts: { trues: "f.b.trues", falses: "f.b.falses" } });
  });

  it("a non-boolean result is a StepError with a TypeError cause", async () => {
    const flow = new Dataflow("f");
    const { trues } = flow.input("in", new TestingSource([1, 2])).branch("b", (x) => (x === 2 ? ("yes" as unknown as boolean) : true));
    trues.output("out", new TestingSink([]));
    expectStepError(await runFailing(flow), {
      stepId: "f.b",
      message: ["error calling `predicate` in step 'f.b'", "`branch` predicate must return a boolean; got string"],
      cause: TypeError,
    });
  });

  it("a throwing predicate is a StepError keeping the cause", async () => {
    const boom = new Error("no idea");
    const flow = new Dataflow("f");
    op.branch("b", flow.input("in", new TestingSource([1])), () => {
      throw boom;
    }).falses.output("out", new TestingSink([]));
    const err = expectStepError(await runFailing(flow), { stepId: "f.b", message: "error calling `predicate` in step 'f.b': no idea" });
    expect(err.cause).toBe(boom);
  });
});

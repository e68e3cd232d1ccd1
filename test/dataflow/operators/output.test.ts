import { describe, expect, it } from "vitest";
import {
  BuildError,
  Dataflow,
  FixedPartitionedSink,
  op,
  stableHash,
  StatefulSinkPartition,
} from "../../../src/index.js";
import { runMain, TestingSink, TestingSource } from "../../../src/testing/index.js";
import { expectStepError, runFailing } from "../helpers.js";

class ArrayPartition extends StatefulSinkPartition<string, number> {
  constructor(private readonly out: string[]) {
    super();
  }
  writeBatch(values: string[]): void {
    for (const v of values) {
      if (v === "poison") throw new Error("cannot write poison");
      this.out.push(v);
    }
  }
  snapshot(): number {
    return this.out.length;
  }
}

/** Two partitions, listed out of order on purpose: routing must use the sorted list. */
class TwoPartSink extends FixedPartitionedSink<string, number> {
  readonly parts = new Map<string, string[]>([
    ["part-b", []],
    ["part-a", []],
  ]);
  readonly builtFor: string[] = [];
  listParts(): string[] {
    return [...this.parts.keys()];
  }
  buildPart(stepId: string, forPart: string): ArrayPartition {
    this.builtFor.push(`${stepId}/${forPart}`);
    return new ArrayPartition(this.parts.get(forPart)!);
  }
}

describe("op.output", () => {
  it("writes every item to a dynamic sink, method and op form", async () => {
    const a: number[] = [];
    const b: number[] = [];
    const flow = new Dataflow("f");
    const s = flow.input("in", new TestingSource([1, 2, 3], 2));
    expect(s.output("out_a", new TestingSink(a))).toBeUndefined();
    expect(op.output("out_b", s, new TestingSink(b))).toBeUndefined();
    await runMain(flow);
    expect(a).toEqual([1, 2, 3]);
    expect(b).toEqual([1, 2, 3]);
    expect(flow.substeps.slice(1)).toMatchObject([
      { stepId: "f.out_a", opType: "output", upPorts: { up: ["f.in.down"] }, downPorts: {} },
      { stepId: "f.out_b", opType: "output", upPorts: { up: ["f.in.down"] }, downPorts: {} },
    ]);
  });

  it("routes [key, value] items of a FixedPartitionedSink by sortedParts[stableHash(key) % 2], writing values only", async () => {
    const keys = ["a", "b", "c", "d", "u1", "u2", "u3", "u4"];
    const sink = new TwoPartSink();
    const flow = new Dataflow("f");
    flow
      .input("in", new TestingSource(keys, 3))
      .keyOn("k", (k) => k)
      .mapValue("v", (k) => `v-${k}`)
      .output("out", sink);
    await runMain(flow);
    const sortedParts = ["part-a", "part-b"];
    const expected = new Map<string, string[]>(sortedParts.map((p) => [p, []]));
    for (const k of keys) expected.get(sortedParts[stableHash(k) % 2])!.push(`v-${k}`);
    expect(sink.parts.get("part-a")).toEqual(expected.get("part-a"));
    expect(sink.parts.get("part-b")).toEqual(expected.get("part-b"));
    // Both partitions got something, so routing was really exercised.
    expect(sink.parts.get("part-a")!.length).toBeGreaterThan(0);
    expect(sink.parts.get("part-b")!.length).toBeGreaterThan(0);
    expect(sink.builtFor.sort()).toEqual(["f.out/part-a", "f.out/part-b"]);
  });

  it("uses the sink's own partFn when it overrides it", async () => {
    class AllToB extends TwoPartSink {
      override partFn(): number {
        return 1;
      }
    }
    const sink = new AllToB();
    const flow = new Dataflow("f");
    const pairs: (readonly [string, string])[] = [
      ["a", "x"],
      ["b", "y"],
    ];
    op.output("out", flow.input("in", new TestingSource(pairs)), sink);
    await runMain(flow);
    expect(sink.parts.get("part-a")).toEqual([]);
    expect(sink.parts.get("part-b")).toEqual(["x", "y"]);
  });

  it("non-pair items given to a FixedPartitionedSink are a StepError with a TypeError cause", async () => {
    const flow = new Dataflow("f");
    flow.input("in", new TestingSource([1, 2])).output("out", new TwoPartSink() as never);
    expectStepError(await runFailing(flow), {
      stepId: "f.out",
      message: ["in step 'f.out'", "must be [key, value] pairs with a string key; got number"],
      cause: TypeError,
    });
    const flow2 = new Dataflow("f");
    const pairs = [[1, "x"] as unknown as readonly [string, string]];
    flow2.input("in", new TestingSource(pairs)).output("out", new TwoPartSink());
    expectStepError(await runFailing(flow2), { stepId: "f.out", message: "with a string key; got array of length 2", cause: TypeError });
  });

  it("a non-pair item's error names no key", async () => {
    const flow = new Dataflow("f");
    flow.input("in", new TestingSource(["oops"])).output("out", new TwoPartSink() as never);
    const err = expectStepError(await runFailing(flow), { stepId: "f.out", message: "got string", cause: TypeError });
    expect(err.key).toBeUndefined();
    expect(err.message).not.toContain("for key");
  });

  it("a non-pair item after a good pair of the same batch is not blamed on the good pair's key", async () => {
    const flow = new Dataflow("f");
    const items = [["good", "x"], 5] as unknown as (readonly [string, string])[];
    flow.input("in", new TestingSource(items, 2)).output("out", new TwoPartSink());
    const err = expectStepError(await runFailing(flow), { stepId: "f.out", message: "got number", cause: TypeError });
    expect(err.key).not.toBe("good");
    expect(err.message).not.toContain("for key 'good'");
  });

  it("a failing writeBatch is a StepError naming the step and partition", async () => {
    const flow = new Dataflow("f");
    const pairs: (readonly [string, string])[] = [["a", "poison"]];
    flow.input("in", new TestingSource(pairs)).output("out", new TwoPartSink());
    const part = ["part-a", "part-b"][stableHash("a") % 2];
    const err = expectStepError(await runFailing(flow), {
      stepId: "f.out",
      message: `error calling \`writeBatch\` of partition '${part}' in step 'f.out': cannot write poison`,
      cause: Error,
    });
    expect(err.partition).toBe(part);
  });

  it("rejects something that is not a sink", () => {
    const flow = new Dataflow("f");
    const s = flow.input("in", new TestingSource([1]));
    expect(() => s.output("out", {} as never)).toThrow(BuildError);
    expect(() => op.output("out", s, { writeBatch() {} } as never)).toThrow("must be a FixedPartitionedSink or a DynamicSink; got object");
    expect(flow.substeps.map((x) => x.stepId)).toEqual(["f.in"]);
  });
});

import { describe, expect, it } from "vitest";
import { Dataflow, op } from "../../../src/index.js";
import { runMain, TestingSink, TestingSource } from "../../../src/testing/index.js";
import { failThrough, runThrough } from "../helpers.js";

describe("op.map", () => {
  it("emits mapper(x) for every item, in order", async () => {
    expect(await runThrough([1, 2, 3], (s) => s.map("add_one", (x) => x + 1))).toEqual([2, 3, 4]);
  });

  it("works the same in op form, across batches", async () => {
    const out = await runThrough([1, 2, 3, 4, 5], (s) => op.map("sq", s, (x) => x * x), { batchSize: 2 });
    expect(out).toEqual([1, 4, 9, 16, 25]);
  });

  it("the fluent method is the op: same output and same step tree", async () => {
    const outA: string[] = [];
    const outB: string[] = [];
    const a = new Dataflow("f");
    a.input("in", new TestingSource([1, 2])).map("m", (x) => `n${x}`).output("out", new TestingSink(outA));
    const b = new Dataflow("f");
    op.output("out", op.map("m", op.input("in", b, new TestingSource([1, 2])), (x) => `n${x}`), new TestingSink(outB));
    await runMain(a);
    await runMain(b);
    expect(outA).toEqual(["n1", "n2"]);
    expect(outB).toEqual(outA);
    const shape = (flow: Dataflow): unknown =>
      flow.substeps.map((s) => ({ id: s.stepId, op: s.opType, subs: s.substeps.map((c) => [c.stepId, c.opType]) }));
    expect(shape(b)).toEqual(shape(a));
  });

  it("emits undefined and null results as items", async () => {
    expect(await runThrough([1, 2], (s) => s.map("m", (x) => (x === 1 ? undefined : null)))).toEqual([undefined, null]);
  });

  it("passes an empty stream through without calling the mapper", async () => {
    let calls = 0;
    const out = await runThrough([] as number[], (s) => s.map("m", (x) => (calls++, x)));
    expect(out).toEqual([]);
    expect(calls).toBe(0);
  });

  it("fan-out: a stream feeding two maps gives every item to both", async () => {
    const tens: number[] = [];
    const negs: number[] = [];
    const flow = new Dataflow("f");
    const s = flow.input("in", new TestingSource([1, 2, 3], 2));
    s.map("tens", (x) => x * 10).output("out_tens", new TestingSink(tens));
    s.map("negs", (x) => -x).output("out_negs", new TestingSink(negs));
    await runMain(flow);
    expect(tens).toEqual([10, 20, 30]);
    expect(negs).toEqual([-1, -2, -3]);
  });

  it("fan-out does not let one branch see the other's mutations of the batch array", async () => {
    const kept: number[] = [];
    const flow = new Dataflow("f");
    const s = flow.input("in", new TestingSource([1, 2, 3], 3));
    s.flatMapBatch("clobber", (xs) => {
      xs.length = 0;
      return [];
    }).output("sink_a", new TestingSink([]));
    s.map("id", (x) => x).output("sink_b", new TestingSink(kept));
    await runMain(flow);
    expect(kept).toEqual([1, 2, 3]);
  });

  it("a throwing mapper is a StepError naming the user's step with the cause", async () => {
    const boom = new RangeError("bad item 2");
    const err = await failThrough(
      [1, 2, 3],
      (s) =>
        s.map("parse", (x) => {
          if (x === 2) throw boom;
          return x;
        }),
      { stepId: "f.parse", message: "error calling `mapper` in step 'f.parse': RangeError: bad item 2" },
    );
    expect(err.cause).toBe(boom);
    expect(err.stepId).not.toContain("flat_map_batch");
  });

  it("the op form reports errors against the same step", async () => {
    await failThrough(
      ["x"],
      (s) =>
        op.map("parse", s, () => {
          throw new Error("nope");
        }),
      { stepId: "f.parse", message: "error calling `mapper` in step 'f.parse': nope", cause: Error },
    );
  });
});

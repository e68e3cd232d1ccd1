import { describe, expect, it } from "vitest";
import { BuildError, Dataflow, op } from "../../../src/index.js";
import { runMain, TestingSink, TestingSource } from "../../../src/testing/index.js";
import { runFailing, expectStepError } from "../helpers.js";

describe("op.merge", () => {
  it("interleaves three sources of batch size 1 one item each", async () => {
    const out: string[] = [];
    const flow = new Dataflow("f");
    const a = flow.input("a", new TestingSource(["a1", "a2", "a3"]));
    const b = flow.input("b", new TestingSource(["b1", "b2"]));
    const c = flow.input("c", new TestingSource(["c1", "c2", "c3", "c4"]));
    op.merge("m", a, b, c).output("out", new TestingSink(out));
    await runMain(flow);
    expect(out).toEqual(["a1", "b1", "c1", "a2", "b2", "c2", "a3", "c3", "c4"]);
  });

  it("the method form merges this stream with the others, in definition order of the inputs", async () => {
    const out: (number | string)[] = [];
    const flow = new Dataflow("f");
    const a = flow.input("a", new TestingSource([1, 2]));
    const b = flow.input("b", new TestingSource(["x", "y"]));
    // Polling order follows the inputs' definition order, not the argument order.
    b.merge("m", a).output("out", new TestingSink(out));
    await runMain(flow);
    expect(out).toEqual([1, "x", 2, "y"]);
  });

  it("keeps whole batches together", async () => {
    const out: number[] = [];
    const flow = new Dataflow("f");
    const a = flow.input("a", new TestingSource([1, 2, 3], 3));
    const b = flow.input("b", new TestingSource([10, 20], 2));
    op.merge("m", a, b).output("out", new TestingSink(out));
    await runMain(flow);
    expect(out).toEqual([1, 2, 3, 10, 20]);
  });

  it("merges one stream, and a stream with a transformed copy of itself", async () => {
    const out: number[] = [];
    const flow = new Dataflow("f");
    const a = flow.input("a", new TestingSource([1, 2], 2));
    op.merge("one", a).output("out_one", new TestingSink(out));
    const both: number[] = [];
    a.merge("self", a.map("neg", (x) => -x)).output("out_both", new TestingSink(both));
    await runMain(flow);
    expect(out).toEqual([1, 2]);
    expect(both.sort((x, y) => x - y)).toEqual([-2, -1, 1, 2]);
  });

  it("records every upstream stream on its `ups` port", () => {
    const flow = new Dataflow("f");
    const a = flow.input("a", new TestingSource([1]));
    const b = flow.input("b", new TestingSource([2]));
    op.merge("m", a, b);
    expect(flow.substeps[2]).toMatchObject({
      stepId: "f.m",
      opType: "merge",
      upPorts: { ups: ["f.a.down", "f.b.down"] },
      downPorts: { down: "f.m.down" },
    });
  });

  it("needs at least one stream, all from one dataflow", () => {
    const f1 = new Dataflow("f1");
    const f2 = new Dataflow("f2");
    const a = f1.input("a", new TestingSource([1]));
    const b = f2.input("b", new TestingSource([2]));
    expect(() => op.merge("m", a, b)).toThrow(BuildError);
    expect(() => op.merge("m", a, b)).toThrow("come from different dataflows ('f1' and 'f2')");
    expect(() => op.merge("m")).toThrow("`merge` step 'm' needs at least one input stream");
  });

  it("an error downstream of merge names the downstream step", async () => {
    const flow = new Dataflow("f");
    const a = flow.input("a", new TestingSource([1]));
    const b = flow.input("b", new TestingSource([2]));
    op.merge("m", a, b)
      .map("boom", (x) => {
        if (x === 2) throw new Error("two");
        return x;
      })
      .output("out", new TestingSink([]));
    expectStepError(await runFailing(flow), { stepId: "f.boom", message: "error calling `mapper` in step 'f.boom': two" });
  });
});

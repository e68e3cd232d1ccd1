import { describe, expect, it } from "vitest";
import { Dataflow, op, runMain, StepError } from "../../src/index.js";
import { TestingSink, TestingSource } from "../../src/testing/index.js";

describe("smoke", () => {
  it("runs map and filter", async () => {
    const out: number[] = [];
    const flow = new Dataflow("f");
    flow.input("in", new TestingSource([1, 2, 3, 4])).map("sq", (x) => x * x).filter("even", (x) => x % 2 === 0).output("out", new TestingSink(out));
    await runMain(flow);
    expect(out).toEqual([4, 16]);
  });
  it("merges in round-robin", async () => {
    const out: string[] = [];
    const flow = new Dataflow("f");
    const a = flow.input("a", new TestingSource(["a1", "a2", "a3"]));
    const b = flow.input("b", new TestingSource(["b1", "b2"]));
    const c = flow.input("c", new TestingSource(["c1"]));
    op.merge("m", a, b, c).output("out", new TestingSink(out));
    await runMain(flow);
    expect(out).toEqual(["a1", "b1", "c1", "a2", "b2", "a3"]);
  });
  it("wraps errors", async () => {
    const flow = new Dataflow("f");
    flow.input("in", new TestingSource([1])).map("boom", () => { throw new Error("bad"); }).output("out", new TestingSink([]));
    const err = await runMain(flow).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StepError);
    expect((err as StepError).stepId).toBe("f.boom");
    expect((err as StepError).message).toContain("error calling `mapper` in step 'f.boom': bad");
  });
});

import { describe, expect, it } from "vitest";
import { BuildError, Dataflow, op } from "../../../src/index.js";
import { runMain, TestingSink, TestingSource } from "../../../src/testing/index.js";
import { expectStepError, runFailing } from "../helpers.js";

describe("op.raises", () => {
  it("fails the run on the first item, naming the step and the item", async () => {
    const out: string[] = [];
    const flow = new Dataflow("f");
    const s = flow.input("in", new TestingSource(["ok", "x", "y"]));
    s.output("out", new TestingSink(out));
    s.filter("bad", (x) => x !== "ok").raises("no_errors");
    const err = expectStepError(await runFailing(flow), {
      stepId: "f.no_errors",
      message: ["in step 'f.no_errors'", "`raises` step 'f.no_errors' got an item: 'x'"],
      cause: Error,
    });
    expect(err.stepId).not.toContain("flat_map_batch");
    // The item before the failing one went through; nothing after it did.
    expect(out).toEqual(["ok", "x"]);
  });

  it("passes when the stream stays empty", async () => {
    const out: number[] = [];
    const flow = new Dataflow("f");
    const s = flow.input("in", new TestingSource([1, 2, 3]));
    s.output("out", new TestingSink(out));
    op.raises("no_negatives", s.filter("neg", (x) => x < 0));
    await runMain(flow);
    expect(out).toEqual([1, 2, 3]);
  });

  it("passes on an empty input", async () => {
    const out: number[] = [];
    const flow = new Dataflow("f");
    const s = flow.input("in", new TestingSource<number>([]));
    s.raises("never");
    s.output("out", new TestingSink(out));
    await expect(runMain(flow)).resolves.toBeUndefined();
    expect(out).toEqual([]);
  });

  it("returns nothing and records a step", () => {
    const flow = new Dataflow("f");
    const s = flow.input("in", new TestingSource([1]));
    expect(s.raises("r")).toBeUndefined();
    expect(flow.substeps.map((x) => [x.stepId, x.opType])).toEqual([
      ["f.in", "input"],
      ["f.r", "raises"],
    ]);
    expect(() => s.raises("r")).toThrow(BuildError);
  });
});

import { describe, expect, it } from "vitest";
import { BuildError, Dataflow, op } from "../../../src/index.js";
import { TestingSource } from "../../../src/testing/index.js";
import { failThrough, runThrough } from "../helpers.js";

describe("op.redistribute", () => {
  it("passes every item through on one worker", async () => {
    expect(await runThrough([1, 2, 3], (s) => s.redistribute("spread"))).toEqual([1, 2, 3]);
    expect(await runThrough([1, 2, 3], (s) => op.redistribute("spread", s), { batchSize: 2 })).toEqual([1, 2, 3]);
  });

  it("is a core step with one input and one output", () => {
    const flow = new Dataflow("f");
    const s = flow.input("in", new TestingSource([1])).redistribute("spread");
    expect(s.streamId).toBe("f.spread.down");
    expect(flow.substeps[1]).toMatchObject({ stepId: "f.spread", opType: "redistribute", upPorts: { up: ["f.in.down"] }, substeps: [] });
  });

  it("errors after it name the later step", async () => {
    await failThrough(
      [1],
      (s) =>
        s.redistribute("spread").map("after", () => {
          throw new Error("boom");
        }),
      { stepId: "f.after", message: "error calling `mapper` in step 'f.after': boom" },
    );
  });

  it("rejects a non-stream upstream at build time", () => {
    expect(() => op.redistribute("spread", undefined as never)).toThrow(BuildError);
  });
});

import { describe, expect, it } from "vitest";
import { op } from "../../../src/index.js";
import { failThrough, runThrough } from "../helpers.js";

describe("op.flatten", () => {
  it("emits every element of every item", async () => {
    expect(await runThrough([[1, 2], [], [3]], (s) => s.flatten("flat"))).toEqual([1, 2, 3]);
  });

  it("flattens one level only, in op form", async () => {
    expect(await runThrough([[[1], 2], [3]], (s) => op.flatten("flat", s), { batchSize: 2 })).toEqual([[1], 2, 3]);
  });

  it("takes any iterable: Sets, strings, Maps", async () => {
    const out = await runThrough<Iterable<unknown>, unknown>([new Set(["a", "b"]), "cd", new Map([["k", 1]])], (s) => s.flatten("flat"));
    expect(out).toEqual(["a", "b", "c", "d", ["k", 1]]);
  });

  it("a non-iterable item is a StepError with a TypeError cause", async () => {
    await failThrough([[1], 5 as unknown as number[]], (s) => s.flatten("flat"), {
      stepId: "f.flat",
      message: ["in step 'f.flat'", "`flatten` needs iterable items; got number"],
      cause: TypeError,
    });
    await failThrough([null as unknown as number[]], (s) => op.flatten("flat", s), {
      stepId: "f.flat",
      message: "got null",
      cause: TypeError,
    });
  });
});

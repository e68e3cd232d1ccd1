import { describe, expect, it } from "vitest";
import { op } from "../../../src/index.js";
import { failThrough, runThrough } from "../helpers.js";

describe("op.flatMapValue", () => {
  it("emits every new value with the item's key", async () => {
    const pairs: (readonly [string, string])[] = [
      ["a", "x y"],
      ["b", ""],
      ["c", "z"],
    ];
    expect(await runThrough(pairs, (s) => s.flatMapValue("split", (v) => (v === "" ? [] : v.split(" "))))).toEqual([
      ["a", "x"],
      ["a", "y"],
      ["c", "z"],
    ]);
  });

  it("accepts a Set or a generator, in op form", async () => {
    const pairs: (readonly [string, number])[] = [["k", 2]];
    expect(await runThrough(pairs, (s) => op.flatMapValue("set", s, (v) => new Set([v, v, v + 1])))).toEqual([
      ["k", 2],
      ["k", 3],
    ]);
    expect(
      await runThrough(pairs, (s) =>
        op.flatMapValue("gen", s, function* (v) {
          yield `${v}!`;
        }),
      ),
    ).toEqual([["k", "2!"]]);
  });

  it("a non-iterable result is a StepError with a TypeError cause", async () => {
    await failThrough([["a", 1] as const], (s) => s.flatMapValue("fmv", (v) => v as unknown as number[]), {
      stepId: "f.fmv",
      message: ["in step 'f.fmv'", "`flatMapValue` mapper must return an iterable; got number"],
      cause: TypeError,
    });
  });

  it("a throwing mapper is a StepError naming the flatMapValue step", async () => {
    const boom = new Error("nope");
    const err = await failThrough(
      [["a", 1] as const],
      (s) =>
        s.flatMapValue("fmv", () => {
          throw boom;
        }),
      { stepId: "f.fmv", message: "error calling `mapper` in step 'f.fmv': nope" },
    );
    expect(err.cause).toBe(boom);
  });
});

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

  it("a non-iterable result is a StepError with a TypeError cause, for the item's key", async () => {
    const err = await failThrough([["a", 1] as const], (s) => s.flatMapValue("fmv", (v) => v as unknown as number[]), {
      stepId: "f.fmv",
      message: ["in step 'f.fmv' for key 'a'", "`flatMapValue` mapper must return an iterable; got number"],
      cause: TypeError,
    });
    expect(err.key).toBe("a");
  });

  it("a throwing mapper is a StepError naming the flatMapValue step and the item's key", async () => {
    const boom = new Error("nope");
    const items = [["a", 1], ["u1", 2]] as const;
    const err = await failThrough(
      items,
      (s) =>
        s.flatMapValue("fmv", (v) => {
          if (v === 2) throw boom;
          return [v];
        }),
      { stepId: "f.fmv", message: "error calling `mapper` in step 'f.fmv' for key 'u1': nope" },
      { batchSize: 2 },
    );
    expect(err.key).toBe("u1");
    expect(err.cause).toBe(boom);
  });
});

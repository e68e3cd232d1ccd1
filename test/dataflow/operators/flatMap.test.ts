import { describe, expect, it } from "vitest";
import { op } from "../../../src/index.js";
import { failThrough, runThrough } from "../helpers.js";

describe("op.flatMap", () => {
  it("emits every item of every returned array, in order", async () => {
    expect(await runThrough(["a b", "c", ""], (s) => s.flatMap("split", (l) => (l === "" ? [] : l.split(" "))))).toEqual([
      "a",
      "b",
      "c",
    ]);
  });

  it("accepts a generator", async () => {
    const out = await runThrough(
      [2, 0, 3],
      (s) =>
        op.flatMap("count", s, function* (n) {
          for (let i = 0; i < n; i++) yield `${n}.${i}`;
        }),
      { batchSize: 2 },
    );
    expect(out).toEqual(["2.0", "2.1", "3.0", "3.1", "3.2"]);
  });

  it("accepts a Set and a string (any iterable)", async () => {
    expect(await runThrough(["aab", "c"], (s) => s.flatMap("uniq", (w) => new Set(w)))).toEqual(["a", "b", "c"]);
    expect(await runThrough(["hi"], (s) => s.flatMap("chars", (w) => w))).toEqual(["h", "i"]);
  });

  it("a non-iterable result is a StepError with a TypeError cause", async () => {
    await failThrough(
      [1, 2],
      (s) => s.flatMap("bad", (x) => x as unknown as number[]),
      {
        stepId: "f.bad",
        message: ["error calling `mapper` in step 'f.bad'", "`flatMap` mapper must return an iterable; got number"],
        cause: TypeError,
      },
    );
  });

  it("undefined returned is a TypeError, not an empty result", async () => {
    await failThrough([1], (s) => op.flatMap("bad", s, () => undefined as unknown as number[]), {
      stepId: "f.bad",
      message: "must return an iterable; got undefined",
      cause: TypeError,
    });
  });

  it("a throwing mapper or generator is a StepError for the user's step", async () => {
    const boom = new Error("gen broke");
    const err = await failThrough(
      [1],
      (s) =>
        s.flatMap("gen", function* () {
          yield 1;
          throw boom;
        }),
      { stepId: "f.gen", message: "error calling `mapper` in step 'f.gen': gen broke" },
    );
    expect(err.cause).toBe(boom);
  });
});

import { describe, expect, it } from "vitest";
import { op } from "../../../src/index.js";
import { failThrough, runThrough } from "../helpers.js";

describe("op.filter", () => {
  it("keeps the items for which the predicate returns true", async () => {
    expect(await runThrough([1, 2, 3, 4, 5], (s) => s.filter("even", (x) => x % 2 === 0))).toEqual([2, 4]);
  });

  it("works the same in op form, across batches", async () => {
    expect(await runThrough([1, 2, 3, 4, 5], (s) => op.filter("odd", s, (x) => x % 2 === 1), { batchSize: 2 })).toEqual([1, 3, 5]);
  });

  it("with a type guard keeps exactly the matching items", async () => {
    const isString = (x: number | string): x is string => typeof x === "string";
    const out = await runThrough<number | string, string>([1, "a", 2, "b"], (s) => s.filter("strings", isString).map("up", (x) => x.toUpperCase()));
    expect(out).toEqual(["A", "B"]);
  });

  it("can drop everything", async () => {
    expect(await runThrough([1, 2], (s) => s.filter("none", () => false))).toEqual([]);
  });

  it("a non-boolean result is a StepError with a TypeError cause, even a truthy one", async () => {
    await failThrough([1, 2], (s) => s.filter("even", (x) => (x % 2) as unknown as boolean), {
      stepId: "f.even",
      message: ["error calling `predicate` in step 'f.even'", "must return a boolean; got number"],
      cause: TypeError,
    });
    await failThrough(["a"], (s) => op.filter("even", s, (x) => x as unknown as boolean), {
      stepId: "f.even",
      message: "must return a boolean; got string",
      cause: TypeError,
    });
    await failThrough([1], (s) => s.filter("even", () => undefined as unknown as boolean), {
      stepId: "f.even",
      message: "must return a boolean; got undefined",
      cause: TypeError,
    });
  });

  it("a throwing predicate is a StepError keeping the cause", async () => {
    const boom = new Error("cannot decide");
    const err = await failThrough(
      [1],
      (s) =>
        s.filter("even", () => {
          throw boom;
        }),
      { stepId: "f.even", message: "error calling `predicate` in step 'f.even': cannot decide" },
    );
    expect(err.cause).toBe(boom);
  });
});

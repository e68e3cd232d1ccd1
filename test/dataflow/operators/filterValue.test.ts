import { describe, expect, it } from "vitest";
import { op } from "../../../src/index.js";
import { failThrough, runThrough } from "../helpers.js";

describe("op.filterValue", () => {
  it("keeps the items whose value passes, key kept", async () => {
    const pairs: (readonly [string, number])[] = [
      ["a", 1],
      ["b", -2],
      ["c", 3],
    ];
    expect(await runThrough(pairs, (s) => s.filterValue("positive", (v) => v > 0))).toEqual([
      ["a", 1],
      ["c", 3],
    ]);
    expect(await runThrough(pairs, (s) => op.filterValue("negative", s, (v) => v < 0), { batchSize: 3 })).toEqual([["b", -2]]);
  });

  it("with a type guard keeps exactly the matching values", async () => {
    const pairs: (readonly [string, number | string])[] = [
      ["a", 1],
      ["b", "two"],
    ];
    const isNum = (v: number | string): v is number => typeof v === "number";
    expect(await runThrough(pairs, (s) => s.filterValue("nums", isNum).mapValue("inc", (v) => v + 1))).toEqual([["a", 2]]);
  });

  it("a non-boolean result is a StepError with a TypeError cause, naming the filterValue step and the key", async () => {
    const err = await failThrough([["a", 1] as const], (s) => s.filterValue("fv", (v) => v as unknown as boolean), {
      stepId: "f.fv",
      message: ["error calling `predicate` in step 'f.fv' for key 'a'", "must return a boolean; got number"],
      cause: TypeError,
    });
    expect(err.key).toBe("a");
  });

  it("a throwing predicate is a StepError naming the item's key and keeping the cause", async () => {
    const boom = new Error("undecidable");
    const items = [["a", 1], ["u1", 2]] as const;
    const err = await failThrough(
      items,
      (s) =>
        s.filterValue("fv", (v) => {
          if (v === 2) throw boom;
          return true;
        }),
      { stepId: "f.fv", message: "error calling `predicate` in step 'f.fv' for key 'u1': undecidable" },
      { batchSize: 2 },
    );
    expect(err.key).toBe("u1");
    expect(err.cause).toBe(boom);
  });
});

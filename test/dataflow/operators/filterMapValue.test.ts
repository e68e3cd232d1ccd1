import { describe, expect, it } from "vitest";
import { op } from "../../../src/index.js";
import { failThrough, runThrough } from "../helpers.js";

describe("op.filterMapValue", () => {
  it("maps values and drops items whose new value is undefined, key kept", async () => {
    const pairs: (readonly [string, string])[] = [
      ["a", "1"],
      ["b", ""],
      ["c", "0"],
    ];
    const parse = (s: string): number | undefined => (s === "" ? undefined : Number(s));
    expect(await runThrough(pairs, (s) => s.filterMapValue("parse", parse))).toEqual([
      ["a", 1],
      ["c", 0],
    ]);
    expect(await runThrough(pairs, (s) => op.filterMapValue("parse", s, parse), { batchSize: 3 })).toEqual([
      ["a", 1],
      ["c", 0],
    ]);
  });

  it("keeps null values", async () => {
    expect(await runThrough([["a", 1] as const], (s) => s.filterMapValue("n", () => null))).toEqual([["a", null]]);
  });

  it("a throwing mapper is a StepError naming the filterMapValue step and the item's key", async () => {
    const boom = new Error("bad");
    const items = [["a", 1], ["u1", 2]] as const;
    const err = await failThrough(
      items,
      (s) =>
        s.filterMapValue("fmv", (v) => {
          if (v === 2) throw boom;
          return v;
        }),
      { stepId: "f.fmv", message: "error calling `mapper` in step 'f.fmv' for key 'u1': bad" },
      { batchSize: 2 },
    );
    expect(err.key).toBe("u1");
    expect(err.cause).toBe(boom);
  });
});

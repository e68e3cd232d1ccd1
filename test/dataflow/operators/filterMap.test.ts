import { describe, expect, it } from "vitest";
import { op } from "../../../src/index.js";
import { failThrough, runThrough } from "../helpers.js";

describe("op.filterMap", () => {
  it("maps and drops undefined results", async () => {
    const parse = (s: string): number | undefined => {
      const n = Number(s);
      return Number.isNaN(n) ? undefined : n;
    };
    expect(await runThrough(["1", "x", "3"], (s) => s.filterMap("parse", parse))).toEqual([1, 3]);
    expect(await runThrough(["1", "x", "3"], (s) => op.filterMap("parse", s, parse), { batchSize: 3 })).toEqual([1, 3]);
  });

  it("keeps null, 0, false and the empty string: only undefined is dropped", async () => {
    const out = await runThrough([0, 1, 2, 3, 4], (s) =>
      s.filterMap("m", (x): unknown => [null, 0, false, "", undefined][x]),
    );
    expect(out).toEqual([null, 0, false, ""]);
  });

  it("a throwing mapper is a StepError for the step", async () => {
    const boom = new SyntaxError("Unexpected token");
    const err = await failThrough(
      ["{"],
      (s) =>
        s.filterMap("parse", (x) => {
          JSON.parse(x);
          throw boom;
        }),
      { stepId: "f.parse", message: "error calling `mapper` in step 'f.parse'", cause: SyntaxError },
    );
    expect(err.stepId).toBe("f.parse");
  });
});

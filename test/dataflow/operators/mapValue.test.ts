import { describe, expect, it } from "vitest";
import { op } from "../../../src/index.js";
import { failThrough, runThrough } from "../helpers.js";

describe("op.mapValue", () => {
  it("maps the value and keeps the key", async () => {
    const out = await runThrough(["a1", "b2"], (s) => s.keyOn("k", (x) => x[0]).mapValue("num", (v) => Number(v[1]) * 10));
    expect(out).toEqual([
      ["a", 10],
      ["b", 20],
    ]);
  });

  it("works the same in op form", async () => {
    const pairs: (readonly [string, number])[] = [
      ["x", 1],
      ["y", 2],
    ];
    expect(await runThrough(pairs, (s) => op.mapValue("neg", s, (v) => -v), { batchSize: 2 })).toEqual([
      ["x", -1],
      ["y", -2],
    ]);
  });

  it("a throwing mapper is a StepError naming the mapValue step", async () => {
    const boom = new Error("bad value");
    const err = await failThrough(
      [["a", 1] as const],
      (s) =>
        s.mapValue("mv", () => {
          throw boom;
        }),
      { stepId: "f.mv", message: "error calling `mapper` in step 'f.mv': bad value" },
    );
    expect(err.cause).toBe(boom);
  });
});

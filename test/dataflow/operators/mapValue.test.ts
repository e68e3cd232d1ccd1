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

  it("a throwing mapper is a StepError naming the mapValue step and the item's key", async () => {
    const boom = new Error("bad value");
    const items = [["a", 1], ["u1", 2]] as const;
    const err = await failThrough(
      items,
      (s) =>
        s.mapValue("mv", (v) => {
          if (v === 2) throw boom;
          return v;
        }),
      { stepId: "f.mv", message: "error calling `mapper` in step 'f.mv' for key 'u1': bad value" },
      { batchSize: 2 },
    );
    expect(err.key).toBe("u1");
    expect(err.cause).toBe(boom);
  });
});

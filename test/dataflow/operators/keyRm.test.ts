import { describe, expect, it } from "vitest";
import { op } from "../../../src/index.js";
import { failThrough, runThrough } from "../helpers.js";

describe("op.keyRm", () => {
  it("drops the key", async () => {
    expect(await runThrough(["a1", "b2"], (s) => s.keyOn("k", (x) => x[0]).keyRm("rm"))).toEqual(["a1", "b2"]);
  });

  it("works the same in op form on literal pairs", async () => {
    const pairs: (readonly [string, number])[] = [
      ["a", 1],
      ["b", 2],
    ];
    expect(await runThrough(pairs, (s) => op.keyRm("rm", s), { batchSize: 2 })).toEqual([1, 2]);
  });

  it("errors downstream of keyRm name the downstream step, not keyRm's", async () => {
    await failThrough(
      [["a", 1] as const],
      (s) =>
        s.keyRm("rm").map("after", () => {
          throw new Error("late");
        }),
      { stepId: "f.after", message: "error calling `mapper` in step 'f.after': late" },
    );
  });
});

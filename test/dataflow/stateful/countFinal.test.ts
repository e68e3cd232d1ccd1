import { describe, expect, it } from "vitest";
import { op } from "../../../src/index.js";
import { runThrough, failThrough } from "../helpers.js";

describe("op.countFinal", () => {
  it("counts items by key and emits [key, count] at EOF, keys sorted", async () => {
    const words = ["the", "cat", "the", "hat", "the", "cat"];
    for (const batchSize of [1, 4]) {
      const out = await runThrough(words, (s) => s.countFinal("count", (w) => w), { batchSize });
      expect(out, `batchSize ${batchSize}`).toEqual([
        ["cat", 2],
        ["hat", 1],
        ["the", 3],
      ]);
    }
  });

  it("counts by a derived key, in op form", async () => {
    const out = await runThrough([1, 2, 3, 4, 5], (s) => op.countFinal("parity", s, (n) => (n % 2 === 0 ? "even" : "odd")), {
      batchSize: 2,
    });
    expect(out).toEqual([
      ["even", 2],
      ["odd", 3],
    ]);
  });

  it("emits nothing for an empty stream", async () => {
    expect(await runThrough([] as string[], (s) => s.countFinal("c", (w) => w))).toEqual([]);
  });

  it("a key function returning a non-string is a StepError with a TypeError cause", async () => {
    await failThrough([1, 2], (s) => s.countFinal("count", (n) => n as unknown as string), {
      stepId: "f.count",
      message: ["in step 'f.count'", "`countFinal` key function must return a string; got number"],
      cause: TypeError,
    });
  });
});

import { describe, expect, it } from "vitest";
import { op } from "../../../src/index.js";
import { failKeyed, runKeyed } from "./helpers.js";

interface Reading {
  id: string;
  temp: number;
}

const readings: [string, Reading][] = [
  ["paris", { id: "p1", temp: 10 }],
  ["oslo", { id: "o1", temp: -3 }],
  ["paris", { id: "p2", temp: 14 }],
  ["paris", { id: "p3", temp: 14 }],
  ["oslo", { id: "o2", temp: -3 }],
  ["paris", { id: "p4", temp: 12 }],
  ["oslo", { id: "o3", temp: -7 }],
];

describe("op.maxFinal", () => {
  it("emits the largest value of each key at EOF", async () => {
    const out = await runKeyed([["a", 3], ["b", 1], ["a", 9], ["a", 4], ["b", 2]], (s) => s.maxFinal("max"));
    expect(out).toEqual([
      ["a", 9],
      ["b", 2],
    ]);
  });

  it("compares by(value); ties keep the earlier value, within and across batches", async () => {
    for (const batchSize of [1, 2, 7]) {
      const out = await runKeyed(readings, (s) => s.maxFinal("hottest", (r: Reading) => r.temp), { batchSize });
      expect(out, `batchSize ${batchSize}`).toEqual([
        ["oslo", { id: "o1", temp: -3 }],
        ["paris", { id: "p2", temp: 14 }],
      ]);
    }
  });

  it("compares strings too, in op form", async () => {
    const out = await runKeyed([["k", "pear"], ["k", "apple"], ["k", "zucchini"], ["k", "fig"]], (s) => op.maxFinal("m", s));
    expect(out).toEqual([["k", "zucchini"]]);
  });

  it("a throwing by is a StepError naming the user's step, with the cause", async () => {
    const boom = new Error("no temp");
    const err = await failKeyed(
      readings,
      (s) =>
        s.maxFinal("hottest", (r: Reading) => {
          if (r.id === "p3") throw boom;
          return r.temp;
        }),
      { stepId: "f.hottest", key: "paris", message: ["in step 'f.hottest'", "no temp"] },
    );
    expect(err.cause).toBe(boom);
  });
});

import { describe, expect, it } from "vitest";
import { op } from "../../../src/index.js";
import { runKeyed } from "./helpers.js";

interface Reading {
  id: string;
  temp: number;
}

const readings: [string, Reading][] = [
  ["paris", { id: "p1", temp: 10 }],
  ["oslo", { id: "o1", temp: -3 }],
  ["paris", { id: "p2", temp: 8 }],
  ["paris", { id: "p3", temp: 8 }],
  ["oslo", { id: "o2", temp: -7 }],
  ["paris", { id: "p4", temp: 12 }],
  ["oslo", { id: "o3", temp: -7 }],
];

describe("op.minFinal", () => {
  it("emits the smallest value of each key at EOF", async () => {
    const out = await runKeyed([["a", 3], ["b", 1], ["a", -9], ["a", 4], ["b", 2]], (s) => s.minFinal("min"));
    expect(out).toEqual([
      ["a", -9],
      ["b", 1],
    ]);
  });

  it("compares by(value); ties keep the earlier value, within and across batches", async () => {
    for (const batchSize of [1, 3, 7]) {
      const out = await runKeyed(readings, (s) => s.minFinal("coldest", (r: Reading) => r.temp), { batchSize });
      expect(out, `batchSize ${batchSize}`).toEqual([
        ["oslo", { id: "o2", temp: -7 }],
        ["paris", { id: "p2", temp: 8 }],
      ]);
    }
  });

  it("compares dates through by, in op form", async () => {
    const out = await runKeyed(
      [["k", new Date("2024-03-01")], ["k", new Date("2024-01-01")], ["k", new Date("2024-02-01")]],
      (s) => op.minFinal("first", s, (d: Date) => d.getTime()),
    );
    expect(out).toEqual([["k", new Date("2024-01-01")]]);
  });
});

import { describe, expect, it } from "vitest";
import { op } from "../../../src/index.js";
import { failKeyed, runKeyed } from "./helpers.js";

interface Mean {
  n: number;
  sum: number;
}

describe("op.statefulMap", () => {
  it("keeps a running count per key", async () => {
    const out = await runKeyed(
      [["a", "x"], ["b", "y"], ["a", "z"], ["a", "w"], ["b", "v"]],
      (s) => s.statefulMap("count", (n: number | undefined, _v: string) => [(n ?? 0) + 1, (n ?? 0) + 1] as const),
    );
    expect(out).toEqual([
      ["a", 1],
      ["b", 1],
      ["a", 2],
      ["a", 3],
      ["b", 2],
    ]);
  });

  it("keeps a running mean per key, across batches", async () => {
    const out = await runKeyed(
      [["a", 2], ["b", 10], ["a", 4], ["a", 9], ["b", 20]],
      (s) =>
        s.statefulMap("mean", (m: Mean | undefined, x: number) => {
          const next = { n: (m?.n ?? 0) + 1, sum: (m?.sum ?? 0) + x };
          return [next, next.sum / next.n] as const;
        }),
      { batchSize: 2 },
    );
    // Batches: [a2, b10], [a4, a9], [b20]; keys of a batch sorted.
    expect(out).toEqual([
      ["a", 2],
      ["b", 10],
      ["a", 3],
      ["a", 5],
      ["b", 15],
    ]);
  });

  it("returning state undefined discards the key: its next value starts from undefined", async () => {
    const seen: [string, unknown][] = [];
    const out = await runKeyed(
      [["a", 1], ["a", 2], ["a", -1], ["a", 5], ["b", 3], ["b", -1], ["b", -1], ["b", 4]],
      (s) =>
        s.statefulMap("sum", (sum: number | undefined, v: number) => {
          seen.push([String(v), sum]);
          return v < 0 ? ([undefined, `reset from ${sum}`] as const) : ([(sum ?? 0) + v, `sum ${(sum ?? 0) + v}`] as const);
        }),
      { batchSize: 3 },
    );
    expect(out).toEqual([
      ["a", "sum 1"],
      ["a", "sum 3"],
      ["a", "reset from 3"],
      ["a", "sum 5"],
      ["b", "sum 3"],
      ["b", "reset from 3"],
      ["b", "reset from undefined"],
      ["b", "sum 4"],
    ]);
    expect(seen).toEqual([
      ["1", undefined],
      ["2", 1],
      ["-1", 3],
      ["5", undefined],
      ["3", undefined],
      ["-1", 3],
      ["-1", undefined],
      ["4", undefined],
    ]);
  });

  it("emits undefined values as values", async () => {
    const out = await runKeyed([["a", 1]], (s) => s.statefulMap("m", (_s: number | undefined, v: number) => [v, undefined] as const));
    expect(out).toEqual([["a", undefined]]);
  });

  it("is the same in op form", async () => {
    const out = await runKeyed([["k", 1], ["k", 2]], (s) =>
      op.statefulMap("m", s, (acc: number[] | undefined, v: number) => {
        const next = [...(acc ?? []), v];
        return [next, next.join(",")] as const;
      }),
    );
    expect(out).toEqual([
      ["k", "1"],
      ["k", "1,2"],
    ]);
  });

  describe("errors", () => {
    it.each([
      ["a number", 7, "got number"],
      ["a one-element array", [1], "got array of length 1"],
      ["undefined", undefined, "got undefined"],
    ])("a mapper returning %s is a StepError: must return a [state, value] pair", async (_name, ret, got) => {
      await failKeyed(
        [["ok", 1], ["u1", 2]],
        (s) => s.statefulMap("avg", (_st: number | undefined, v: number) => (v === 2 ? ret : [v, v]) as unknown as readonly [number, number]),
        {
          stepId: "f.avg",
          key: "u1",
          message: ["in step 'f.avg' for key 'u1'", "`statefulMap` mapper", "must return a [state, value] pair", got],
          cause: TypeError,
        },
      );
    });

    it("a throwing mapper is a StepError naming the step and the key, with the cause", async () => {
      const boom = new Error("bad value");
      const err = await failKeyed(
        [["a", 1], ["b", 2]],
        (s) =>
          s.statefulMap("m", (st: number | undefined, v: number): readonly [number, number] => {
            if (v === 2) throw boom;
            return [v, v];
          }),
        { stepId: "f.m", key: "b", message: "error calling `mapper` in step 'f.m' for key 'b': bad value" },
      );
      expect(err.cause).toBe(boom);
    });
  });
});

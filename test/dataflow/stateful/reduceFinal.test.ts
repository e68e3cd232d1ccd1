import { describe, expect, it } from "vitest";
import { op } from "../../../src/index.js";
import { expectStepError, runFailing } from "../helpers.js";
import { failKeyed, keyedFlow, runKeyed } from "./helpers.js";

describe("op.reduceFinal", () => {
  it("combines each key's values pairwise and emits the result at EOF", async () => {
    const out = await runKeyed([["a", 1], ["a", 2], ["b", 5], ["a", 4]], (s) => s.reduceFinal("sum", (a: number, b: number) => a + b));
    expect(out).toEqual([
      ["a", 7],
      ["b", 5],
    ]);
  });

  it("reduces in arrival order, within and across batches", async () => {
    const items = [["a", "1"], ["b", "x"], ["a", "2"], ["a", "3"], ["b", "y"], ["a", "4"], ["a", "5"]] as const;
    for (const batchSize of [1, 2, 3, 7]) {
      const out = await runKeyed(items, (s) => op.reduceFinal("cat", s, (a: string, b: string) => `${a}${b}`), { batchSize });
      expect(out, `batchSize ${batchSize}`).toEqual([
        ["a", "12345"],
        ["b", "xy"],
      ]);
    }
  });

  it("emits a key with a single value unchanged, without calling the reducer", async () => {
    let calls = 0;
    const out = await runKeyed([["only", { v: 1 }]], (s) =>
      s.reduceFinal("r", (a: { v: number }) => {
        calls++;
        return a;
      }),
    );
    expect(out).toEqual([["only", { v: 1 }]]);
    expect(calls).toBe(0);
  });

  it("a reducer throwing within a batch is a StepError naming the user's step and `reducer`", async () => {
    const boom = new Error("cannot reduce");
    const flow = keyedFlow(
      [["a", 1], ["a", 2]],
      (s) =>
        s.reduceFinal("sum", (): number => {
          throw boom;
        }),
      [],
      2,
    );
    const err = expectStepError(await runFailing(flow), {
      stepId: "f.sum",
      message: "error calling `reducer` in step 'f.sum': cannot reduce",
    });
    expect(err.cause).toBe(boom);
  });

  it("a reducer throwing across batches is reported as `reducer` too, with the key", async () => {
    const boom = new Error("cannot reduce");
    const err = await failKeyed(
      [["a", 1], ["a", 2]],
      (s) =>
        s.reduceFinal("sum", (): number => {
          throw boom;
        }),
      { stepId: "f.sum", key: "a", message: ["error calling `reducer` in step 'f.sum'", "cannot reduce"] },
      { batchSize: 1 },
    );
    expect(err.cause).toBe(boom);
  });
});

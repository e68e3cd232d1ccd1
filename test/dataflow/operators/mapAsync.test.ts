import { describe, expect, it } from "vitest";
import { BuildError, Dataflow, op } from "../../../src/index.js";
import { TestingSource } from "../../../src/testing/index.js";
import { failThrough, runThrough, ticks } from "../helpers.js";

/** A mapper that counts calls in flight and resolves after `delay(x)` event-loop turns. */
function tracked<X, Y>(f: (x: X) => Y, delay: (x: X) => number) {
  const stats = { inFlight: 0, maxInFlight: 0, calls: 0, resolved: [] as X[] };
  const mapper = async (x: X): Promise<Y> => {
    stats.calls++;
    stats.inFlight++;
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    try {
      await ticks(delay(x));
      stats.resolved.push(x);
      return f(x);
    } finally {
      stats.inFlight--;
    }
  };
  return { mapper, stats };
}

describe("op.mapAsync", () => {
  it("emits the resolved values", async () => {
    expect(await runThrough([1, 2, 3], (s) => s.mapAsync("double", async (x) => x * 2))).toEqual([2, 4, 6]);
  });

  it("keeps input order within a batch when later calls resolve first", async () => {
    const { mapper, stats } = tracked((x: number) => `r${x}`, (x) => 10 - x);
    const out = await runThrough([1, 2, 3, 4, 5, 6], (s) => op.mapAsync("fetch", s, mapper, { concurrency: 6 }), { batchSize: 6 });
    expect(stats.resolved).toEqual([6, 5, 4, 3, 2, 1]);
    expect(out).toEqual(["r1", "r2", "r3", "r4", "r5", "r6"]);
  });

  it("keeps order across batches", async () => {
    const { mapper } = tracked((x: number) => x, (x) => (x % 2 === 0 ? 1 : 4));
    const out = await runThrough([1, 2, 3, 4, 5, 6, 7], (s) => s.mapAsync("fetch", mapper, { concurrency: 3 }), { batchSize: 3 });
    expect(out).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it("never has more than `concurrency` calls in flight, and uses that many", async () => {
    const { mapper, stats } = tracked((x: number) => x + 1, (x) => 1 + (x % 3));
    const out = await runThrough(Array.from({ length: 12 }, (_, i) => i), (s) => s.mapAsync("fetch", mapper, { concurrency: 3 }), {
      batchSize: 12,
    });
    expect(out).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(stats.calls).toBe(12);
    expect(stats.maxInFlight).toBe(3);
    expect(stats.inFlight).toBe(0);
  });

  it("defaults to 10 calls in flight", async () => {
    const { mapper, stats } = tracked((x: number) => x, () => 2);
    await runThrough(Array.from({ length: 25 }, (_, i) => i), (s) => s.mapAsync("fetch", mapper), { batchSize: 25 });
    expect(stats.maxInFlight).toBe(10);
  });

  it("concurrency 1 runs calls one at a time", async () => {
    const { mapper, stats } = tracked((x: string) => x.toUpperCase(), () => 1);
    const out = await runThrough(["a", "b", "c"], (s) => s.mapAsync("up", mapper, { concurrency: 1 }), { batchSize: 3 });
    expect(out).toEqual(["A", "B", "C"]);
    expect(stats.maxInFlight).toBe(1);
  });

  it("does not start the next batch before the previous one resolved", async () => {
    const { mapper, stats } = tracked((x: number) => x, () => 3);
    await runThrough([1, 2, 3, 4, 5, 6], (s) => s.mapAsync("fetch", mapper, { concurrency: 10 }), { batchSize: 2 });
    expect(stats.maxInFlight).toBe(2);
  });

  it("a rejected promise is a StepError naming the step, with the rejection as cause", async () => {
    const reason = new Error("HTTP 503");
    const err = await failThrough(
      ["u1", "u2", "u3"],
      (s) =>
        s.mapAsync("fetch", async (id) => {
          await ticks(1);
          if (id === "u2") throw reason;
          return id;
        }),
      { stepId: "f.fetch", message: "error calling `mapper` in step 'f.fetch': HTTP 503" },
    );
    expect(err.cause).toBe(reason);
  });

  it("stops calling the mapper once a call of the batch has rejected", async () => {
    const calls: number[] = [];
    await failThrough(
      [0, 1, 2, 3, 4, 5, 6, 7],
      (s) =>
        s.mapAsync(
          "fetch",
          async (x) => {
            calls.push(x);
            if (x === 0) throw new Error("first call failed");
            await ticks(1);
            return x;
          },
          { concurrency: 2 },
        ),
      { stepId: "f.fetch", message: "first call failed" },
      { batchSize: 8 },
    );
    const callsWhenRunFailed = calls.length;
    await ticks(20);
    // The run is over: no more calls (requests, writes...) may start after it failed.
    expect(calls.length).toBe(callsWhenRunFailed);
    expect(calls.length).toBeLessThanOrEqual(2);
  });

  it("a mapper throwing synchronously is a StepError too", async () => {
    await failThrough(
      [1],
      (s) =>
        op.mapAsync("fetch", s, (): Promise<number> => {
          throw new TypeError("not a function");
        }),
      { stepId: "f.fetch", message: "error calling `mapper` in step 'f.fetch': TypeError: not a function", cause: TypeError },
    );
  });

  it("rejects a concurrency that is not a positive integer at build time", () => {
    for (const concurrency of [0, -1, 1.5, Number.NaN]) {
      const flow = new Dataflow("f");
      const s = flow.input("in", new TestingSource([1]));
      expect(() => s.mapAsync("fetch", async (x) => x, { concurrency })).toThrow(BuildError);
      expect(() => op.mapAsync("fetch2", s, async (x) => x, { concurrency })).toThrow(
        "`mapAsync` step 'f.fetch2': concurrency must be a positive integer",
      );
    }
  });

  it("a rejected concurrency leaves no half-built step behind (like input and output)", () => {
    const flow = new Dataflow("f");
    const s = flow.input("in", new TestingSource([1]));
    expect(() => s.mapAsync("fetch", async (x) => x, { concurrency: 0 })).toThrow(BuildError);
    expect(flow.substeps.map((x) => x.stepId)).toEqual(["f.in"]);
    // The id is still free for the corrected call.
    expect(() => s.mapAsync("fetch", async (x) => x, { concurrency: 2 })).not.toThrow();
  });
});

import { describe, expect, it } from "vitest";
import { op } from "../../../src/index.js";
import { failThrough, runThrough, ticks } from "../helpers.js";

describe("op.flatMapBatch", () => {
  it("calls the mapper once per batch with the batch's items", async () => {
    const batches: number[][] = [];
    const out = await runThrough(
      [1, 2, 3, 4, 5],
      (s) =>
        s.flatMapBatch("sum", (xs) => {
          batches.push([...xs]);
          return [xs.reduce((a, b) => a + b, 0)];
        }),
      { batchSize: 2 },
    );
    expect(batches).toEqual([[1, 2], [3, 4], [5]]);
    expect(out).toEqual([3, 7, 5]);
  });

  it("emits everything the mapper returns, and nothing for an empty result", async () => {
    const out = await runThrough(
      ["a", "b", "c"],
      (s) => op.flatMapBatch("dup", s, (xs) => (xs.includes("b") ? [] : xs.flatMap((x) => [x, x.toUpperCase()]))),
    );
    expect(out).toEqual(["a", "A", "c", "C"]);
  });

  it("accepts any iterable: a generator, a Set", async () => {
    const out = await runThrough(
      [1, 2, 3],
      (s) =>
        s
          .flatMapBatch("gen", function* (xs) {
            for (const x of xs) yield x * 2;
          })
          .flatMapBatch("set", (xs) => new Set([...xs, ...xs])),
      { batchSize: 3 },
    );
    expect(out).toEqual([2, 4, 6]);
  });

  it("awaits an async mapper before the next batch and keeps batch order", async () => {
    const started: number[] = [];
    const out = await runThrough(
      [1, 2, 3, 4],
      (s) =>
        s.flatMapBatch("slow", async (xs) => {
          started.push(xs[0]);
          // The first batch takes longest; batches must still come out in order.
          await ticks(xs[0] === 1 ? 5 : 1);
          return xs.map((x) => `v${x}`);
        }),
      { batchSize: 2 },
    );
    expect(started).toEqual([1, 3]);
    expect(out).toEqual(["v1", "v2", "v3", "v4"]);
  });

  it("a throwing mapper is a StepError for the step", async () => {
    await failThrough(
      [1],
      (s) =>
        s.flatMapBatch("batcher", () => {
          throw new Error("batch failed");
        }),
      { stepId: "f.batcher", message: "error calling `mapper` in step 'f.batcher': batch failed", cause: Error },
    );
  });

  it("a rejected async mapper is a StepError with the rejection as cause", async () => {
    const reason = new Error("remote down");
    const err = await failThrough(
      [1, 2],
      (s) =>
        op.flatMapBatch("fetch", s, async (xs): Promise<number[]> => {
          await ticks(1);
          if (xs[0] === 2) throw reason;
          return xs;
        }),
      { stepId: "f.fetch", message: "error calling `mapper` in step 'f.fetch': remote down" },
    );
    expect(err.cause).toBe(reason);
  });

  it("a non-iterable result is a StepError with a TypeError cause", async () => {
    await failThrough(
      [1],
      (s) => s.flatMapBatch("bad", () => 42 as unknown as number[]),
      { stepId: "f.bad", message: ["error calling `mapper` in step 'f.bad'", "must return an iterable; got number"], cause: TypeError },
    );
  });

  it("an async mapper resolving to a non-iterable is a StepError with a TypeError cause", async () => {
    await failThrough(
      [1],
      (s) => s.flatMapBatch("bad", async () => null as unknown as number[]),
      { stepId: "f.bad", message: "must return an iterable; got null", cause: TypeError },
    );
  });
});

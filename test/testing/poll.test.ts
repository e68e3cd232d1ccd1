import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ffwdIter, pollNextBatch } from "../../src/testing/poll.js";

// pollNextBatch waits real time between empty polls (2 ms): on fake timers
// here, so the tests see exact instants and never sleep.
describe("pollNextBatch", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("polls until a non-empty batch and returns it as an array", async () => {
    let calls = 0;
    const part = {
      nextBatch(): Iterable<number> {
        calls++;
        return calls < 4 ? [] : new Set([7, 8]);
      },
    };
    const got = pollNextBatch(part);
    await vi.advanceTimersByTimeAsync(6);
    expect(await got).toEqual([7, 8]);
    expect(calls).toBe(4);
  });

  it("awaits async batches and yields to the event loop between polls", async () => {
    const ready: string[] = [];
    setTimeout(() => ready.push("late"), 5);
    const polledAt: number[] = [];
    const start = performance.now();
    const part = {
      nextBatch: async () => {
        polledAt.push(performance.now() - start);
        return ready.splice(0);
      },
    };
    const got = pollNextBatch(part);
    await vi.advanceTimersByTimeAsync(6);
    expect(await got).toEqual(["late"]);
    // Every 2 ms; "late" arrived at 5 ms, between two polls.
    expect(polledAt).toEqual([0, 2, 4, 6]);
  });

  it("returns null at end of input", async () => {
    let calls = 0;
    const part = { nextBatch: () => (++calls < 3 ? [] : null) };
    const got = pollNextBatch(part);
    await vi.advanceTimersByTimeAsync(4);
    expect(await got).toBeNull();
    expect(calls).toBe(3);
  });

  it("throws an error naming the timeout when only empty batches come", async () => {
    const start = performance.now();
    let calls = 0;
    const failed = expect(
      pollNextBatch({
        nextBatch: () => {
          calls++;
          return [];
        },
      }, 30),
    ).rejects.toThrow(/30 ms/);
    await vi.advanceTimersByTimeAsync(30);
    await failed;
    // Polled at 0, 2, ..., 30 ms; gave up exactly when the timeout was spent.
    expect(calls).toBe(16);
    expect(performance.now() - start).toBe(30);
  });

  it("propagates nextBatch errors", async () => {
    await expect(
      pollNextBatch({
        nextBatch: () => {
          throw new Error("broken");
        },
      }),
    ).rejects.toThrow("broken");
  });
});

describe("ffwdIter", () => {
  it("advances by n items", () => {
    const it = [1, 2, 3, 4][Symbol.iterator]();
    ffwdIter(it, 2);
    expect(it.next()).toEqual({ done: false, value: 3 });
    ffwdIter(it, 0);
    expect(it.next().value).toBe(4);
  });

  it("stops early at the end", () => {
    let pulled = 0;
    function* two() {
      pulled++;
      yield "a";
      pulled++;
      yield "b";
    }
    const it = two();
    ffwdIter(it, 10);
    expect(pulled).toBe(2);
    expect(it.next().done).toBe(true);
  });

  it("rejects a negative or fractional n", () => {
    expect(() => ffwdIter([1][Symbol.iterator](), -1)).toThrow(RangeError);
    expect(() => ffwdIter([1][Symbol.iterator](), 0.5)).toThrow(RangeError);
  });
});

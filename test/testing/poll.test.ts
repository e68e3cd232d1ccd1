import { describe, expect, it } from "vitest";
import { ffwdIter, pollNextBatch } from "../../src/testing/poll.js";

describe("pollNextBatch", () => {
  it("polls until a non-empty batch and returns it as an array", async () => {
    let calls = 0;
    const part = {
      nextBatch(): Iterable<number> {
        calls++;
        return calls < 4 ? [] : new Set([7, 8]);
      },
    };
    expect(await pollNextBatch(part)).toEqual([7, 8]);
    expect(calls).toBe(4);
  });

  it("awaits async batches and yields to the event loop between polls", async () => {
    const ready: string[] = [];
    setTimeout(() => ready.push("late"), 5);
    const part = { nextBatch: async () => ready.splice(0) };
    expect(await pollNextBatch(part)).toEqual(["late"]);
  });

  it("returns null at end of input", async () => {
    let calls = 0;
    const part = { nextBatch: () => (++calls < 3 ? [] : null) };
    expect(await pollNextBatch(part)).toBeNull();
    expect(calls).toBe(3);
  });

  it("throws an error naming the timeout when only empty batches come", async () => {
    const start = Date.now();
    await expect(pollNextBatch({ nextBatch: () => [] }, 30)).rejects.toThrow(/30 ms/);
    expect(Date.now() - start).toBeGreaterThanOrEqual(25);
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

import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { batch, batchAsync, batchGetter, batchGetterEx } from "../../src/inputs/batching.js";

describe("batch", () => {
  it("splits into arrays of up to size, last shorter", () => {
    expect([...batch([1, 2, 3, 4, 5], 2)]).toEqual([[1, 2], [3, 4], [5]]);
    expect([...batch([1, 2, 3, 4], 2)]).toEqual([[1, 2], [3, 4]]);
    expect([...batch([1, 2], 5)]).toEqual([[1, 2]]);
    expect([...batch([], 3)]).toEqual([]);
  });

  it("is lazy over infinite iterables", () => {
    function* naturals() {
      for (let i = 0; ; i++) yield i;
    }
    const it = batch(naturals(), 3);
    expect(it.next().value).toEqual([0, 1, 2]);
    expect(it.next().value).toEqual([3, 4, 5]);
  });

  it("rejects a size that is not a positive integer at call time", () => {
    expect(() => batch([1], 0)).toThrow(RangeError);
    expect(() => batch([1], 1.5)).toThrow(/positive integer/);
    expect(() => batch([1], Number.NaN)).toThrow(RangeError);
  });
});

describe("batchAsync", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** Yields each [delayMs, value] after waiting delayMs. */
  async function* slow<X>(plan: [number, X][]): AsyncGenerator<X> {
    for (const [delay, value] of plan) {
      await new Promise((r) => setTimeout(r, delay));
      yield value;
    }
  }

  /** Run one step, advancing fake time by `ms`. */
  async function step<X>(it: AsyncIterator<X[]>, ms: number): Promise<IteratorResult<X[]>> {
    const p = it.next();
    await vi.advanceTimersByTimeAsync(ms);
    return p;
  }

  it("gathers up to size items without waiting for the timeout", async () => {
    async function* fast() {
      yield* [1, 2, 3, 4, 5];
    }
    const it = batchAsync(fast(), 1000, 2);
    expect(await it.next()).toEqual({ done: false, value: [1, 2] });
    expect(await it.next()).toEqual({ done: false, value: [3, 4] });
    expect(await it.next()).toEqual({ done: false, value: [5] });
    expect(await it.next()).toEqual({ done: true, value: undefined });
  });

  it("yields [] when nothing arrives and keeps the pending item for the next step", async () => {
    const it = batchAsync(
      slow([
        [10, "a"],
        [150, "b"],
        [10, "c"],
      ]),
      100,
      10,
    );
    // Step 1 (t = 0..100): "a" at 10; "b" is pending when the timeout fires.
    expect(await step(it, 100)).toEqual({ done: false, value: ["a"] });
    // Step 2 (t = 100..200): "b" arrives at 160 from the kept promise, "c" at 170,
    // then the source ends inside the same step.
    expect(await step(it, 100)).toEqual({ done: false, value: ["b", "c"] });
    expect(await step(it, 100)).toEqual({ done: true, value: undefined });
  });

  it("yields empty steps while a slow item is pending, then the item", async () => {
    const it = batchAsync(slow([[250, 42]]), 100, 5);
    expect(await step(it, 100)).toEqual({ done: false, value: [] });
    expect(await step(it, 100)).toEqual({ done: false, value: [] });
    expect(await step(it, 50)).toEqual({ done: false, value: [42] });
    expect(await step(it, 0)).toEqual({ done: true, value: undefined });
  });

  it("ends after yielding what the last step gathered", async () => {
    const it = batchAsync(
      slow([
        [5, 1],
        [5, 2],
      ]),
      100,
      10,
    );
    expect(await step(it, 100)).toEqual({ done: false, value: [1, 2] });
    expect(await step(it, 0)).toEqual({ done: true, value: undefined });
  });

  it("with a zero timeout returns only items already available", async () => {
    async function* ready() {
      yield "x";
    }
    const it = batchAsync(ready(), 0, 3);
    expect(await step(it, 0)).toEqual({ done: false, value: ["x"] });
    expect(await step(it, 0)).toEqual({ done: true, value: undefined });
  });

  it("throws the source's error from the step that awaits it", async () => {
    async function* failing(): AsyncGenerator<number> {
      yield 1;
      await new Promise((r) => setTimeout(r, 150));
      throw new Error("boom");
    }
    const it = batchAsync(failing(), 100, 10);
    expect(await step(it, 100)).toEqual({ done: false, value: [1] });
    const p = it.next();
    const assertion = expect(p).rejects.toThrow("boom");
    await vi.advanceTimersByTimeAsync(100);
    await assertion;
  });

  it("calls the source's return() when the consumer stops early", async () => {
    let closed = false;
    async function* src() {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        closed = true;
      }
    }
    const it = batchAsync(src(), 100, 2);
    expect((await it.next()).value).toEqual([0, 1]);
    await it.return?.();
    await vi.advanceTimersByTimeAsync(0);
    expect(closed).toBe(true);
  });

  it("validates its arguments at call time", () => {
    async function* none() {}
    expect(() => batchAsync(none(), -1, 2)).toThrow(RangeError);
    expect(() => batchAsync(none(), Number.POSITIVE_INFINITY, 2)).toThrow(/timeoutMs/);
    expect(() => batchAsync(none(), 10, 0)).toThrow(/positive integer/);
  });
});

describe("batchGetter", () => {
  it("stops a batch at size or when the getter returns undefined", () => {
    const queue = [1, 2, 3];
    const it = batchGetter(() => queue.shift(), 2);
    expect(it.next().value).toEqual([1, 2]);
    expect(it.next().value).toEqual([3]);
    expect(it.next().value).toEqual([]);
    queue.push(4);
    expect(it.next().value).toEqual([4]);
  });

  it("stops on a custom yieldOn sentinel, which is not included", () => {
    const queue = ["a", null, "b", "c", "d"];
    let calls = 0;
    const it = batchGetter(
      () => {
        calls++;
        return queue.length > 0 ? queue.shift()! : null;
      },
      2,
      null,
    );
    expect(it.next().value).toEqual(["a"]);
    expect(it.next().value).toEqual(["b", "c"]);
    expect(calls).toBe(4); // no extra call once the batch is full
    expect(it.next().value).toEqual(["d"]);
    expect(it.next().value).toEqual([]);
  });

  it("propagates getter errors and validates size", () => {
    const it = batchGetter<number>(() => {
      throw new TypeError("bad");
    }, 2);
    expect(() => it.next()).toThrow(TypeError);
    expect(() => batchGetter(() => 1, -1)).toThrow(RangeError);
  });
});

describe("batchGetterEx", () => {
  class Empty extends Error {}

  it("ends a batch on an empty error and propagates other errors", () => {
    const queue: (string | Error)[] = ["a", "b", "c"];
    const get = (): string => {
      const x = queue.shift();
      if (x === undefined) throw new Empty();
      if (x instanceof Error) throw x;
      return x;
    };
    const it = batchGetterEx(get, 2, (err) => err instanceof Empty);
    expect(it.next().value).toEqual(["a", "b"]);
    expect(it.next().value).toEqual(["c"]);
    expect(it.next().value).toEqual([]);
    queue.push("d", new Error("broken"));
    expect(() => it.next()).toThrow("broken");
  });

  it("validates size", () => {
    expect(() => batchGetterEx(() => 1, 0, () => true)).toThrow(RangeError);
  });
});

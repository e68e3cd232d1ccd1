/**
 * Helpers that turn iterables, async iterables and getter functions into
 * batches, for a partition's `nextBatch`.
 *
 * @module
 */

/** @internal Throw a RangeError unless `size` is a positive integer. */
function checkSize(fn: string, size: number): void {
  if (!Number.isInteger(size) || size < 1) {
    throw new RangeError(`\`${fn}\` size must be a positive integer; got ${String(size)}`);
  }
}

/**
 * Split an iterable into arrays of up to `size` items, in order. The last
 * array may be shorter; no array is empty. Lazy: items are pulled from
 * `items` only as batches are requested.
 *
 * A partition keeps the returned iterator and returns its next value from
 * each `nextBatch`, or `null` once it is done.
 *
 * @typeParam X - Item type.
 * @param items - Any iterable, possibly infinite.
 * @param size - Maximum number of items per batch; a positive integer.
 * @returns An iterator of arrays.
 * @throws RangeError at call time if `size` is not a positive integer.
 * @category Inputs
 * @example
 * ```ts
 * [...batch([1, 2, 3, 4, 5], 2)]; // [[1, 2], [3, 4], [5]]
 *
 * class ListPartition extends StatelessSourcePartition<string> {
 *   private readonly batches = batch(["a", "b", "c"], 100);
 *   nextBatch(): string[] | null {
 *     const r = this.batches.next();
 *     return r.done ? null : r.value;
 *   }
 * }
 * ```
 */
export function batch<X>(items: Iterable<X>, size: number): IterableIterator<X[]> {
  checkSize("batch", size);
  return batchGen(items, size);
}

/** @internal Generator behind {@link batch}. */
function* batchGen<X>(items: Iterable<X>, size: number): Generator<X[], void, undefined> {
  let current: X[] = [];
  for (const item of items) {
    current.push(item);
    if (current.length >= size) {
      yield current;
      current = [];
    }
  }
  if (current.length > 0) yield current;
}

/** @internal Marks a timeout in {@link batchAsync}'s race. */
const TIMED_OUT: unique symbol = Symbol("timedOut");

/**
 * Gather an async iterable into arrays without waiting on it for long: each
 * step collects up to `size` items for at most `timeoutMs`, then yields what
 * it has, possibly `[]`. When the source ends, the iterator yields the last
 * non-empty array (if any) and finishes.
 *
 * No item is lost to a timeout: if the source's `next()` is still pending when
 * the time is up, that promise is kept and awaited first by the next step.
 * Errors from the source are thrown by the step that awaits them. If you stop
 * iterating early (`return()`), the source's `return()` is called without
 * waiting for it.
 *
 * This is how a partition wraps an async source (a socket, an SDK stream)
 * while `nextBatch` stays short: `nextBatch` awaits one step, which takes at
 * most `timeoutMs` (plus the time for the items already arrived).
 *
 * @typeParam X - Item type.
 * @param items - The async source, such as an async generator.
 * @param timeoutMs - How long one step may wait for items, in ms (`>= 0`).
 * @param size - Maximum number of items per step; a positive integer.
 * @returns An async iterator of arrays, one per step.
 * @throws RangeError at call time if `timeoutMs` is negative or not finite,
 *   or `size` is not a positive integer.
 * @category Inputs
 * @example
 * ```ts
 * class FeedPartition extends StatelessSourcePartition<string> {
 *   private readonly steps: AsyncIterator<string[]>;
 *   constructor(feed: AsyncIterable<string>) {
 *     super();
 *     // Each nextBatch waits at most 50 ms and returns up to 500 messages.
 *     this.steps = batchAsync(feed, seconds(0.05), 500);
 *   }
 *   async nextBatch(): Promise<string[] | null> {
 *     const r = await this.steps.next();
 *     return r.done ? null : r.value; // [] when nothing arrived in 50 ms
 *   }
 * }
 * ```
 */
export function batchAsync<X>(items: AsyncIterable<X>, timeoutMs: number, size: number): AsyncIterableIterator<X[]> {
  if (!Number.isFinite(timeoutMs) || timeoutMs < 0) {
    throw new RangeError(`\`batchAsync\` timeoutMs must be a finite number >= 0; got ${String(timeoutMs)}`);
  }
  checkSize("batchAsync", size);
  return batchAsyncGen(items, timeoutMs, size);
}

/** @internal Async generator behind {@link batchAsync}. */
async function* batchAsyncGen<X>(
  items: AsyncIterable<X>,
  timeoutMs: number,
  size: number,
): AsyncGenerator<X[], void, undefined> {
  const it = items[Symbol.asyncIterator]();
  let pending: Promise<IteratorResult<X>> | undefined;
  let finished = false;
  try {
    while (true) {
      const current: X[] = [];
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timedOut = new Promise<typeof TIMED_OUT>((resolve) => {
        timer = setTimeout(() => resolve(TIMED_OUT), timeoutMs);
      });
      try {
        while (current.length < size) {
          pending ??= it.next();
          const r = await Promise.race([pending, timedOut]);
          if (r === TIMED_OUT) break;
          pending = undefined;
          if (r.done) {
            finished = true;
            break;
          }
          current.push(r.value);
        }
      } catch (err) {
        finished = true;
        throw err;
      } finally {
        clearTimeout(timer);
      }
      if (finished) {
        if (current.length > 0) yield current;
        return;
      }
      yield current;
    }
  } finally {
    if (!finished && it.return) {
      Promise.resolve(it.return()).catch(() => undefined);
    }
  }
}

/**
 * Gather items from a getter that returns `undefined` (or `yieldOn`) when
 * nothing is ready now, such as `queue.shift()`. Each step calls `getter`
 * until it has `size` items or the getter returns `yieldOn` or `undefined`;
 * that value ends the batch and is not included. Steps may yield `[]`.
 *
 * The iterator never finishes: decide end of input in the partition (return
 * `null` from `nextBatch`).
 *
 * @typeParam X - Item type.
 * @param getter - Returns the next ready item, or `yieldOn`/`undefined` for none.
 * @param size - Maximum number of items per batch; a positive integer.
 * @param yieldOn - An extra "nothing ready" sentinel, compared with
 *   `Object.is` (for example `null` for a getter that returns `null`).
 *   `undefined` always ends a batch.
 * @returns An endless iterator of arrays.
 * @throws RangeError at call time if `size` is not a positive integer. Errors
 *   thrown by `getter` propagate from `next()`.
 * @category Inputs
 * @example
 * ```ts
 * const queue = [1, 2, 3];
 * const batches = batchGetter(() => queue.shift(), 2);
 * batches.next().value; // [1, 2]
 * batches.next().value; // [3]
 * batches.next().value; // []
 * ```
 */
export function batchGetter<X>(getter: () => X | undefined, size: number, yieldOn?: X): IterableIterator<X[]> {
  checkSize("batchGetter", size);
  return batchGetterGen(getter, size, yieldOn);
}

/** @internal Generator behind {@link batchGetter}. */
function* batchGetterGen<X>(getter: () => X | undefined, size: number, yieldOn: X | undefined): Generator<X[], never, undefined> {
  while (true) {
    const current: X[] = [];
    while (current.length < size) {
      const item = getter();
      if (item === undefined || Object.is(item, yieldOn)) break;
      current.push(item);
    }
    yield current;
  }
}

/**
 * Gather items from a getter that throws when nothing is ready now. Each step
 * calls `getter` until it has `size` items or the getter throws an error for
 * which `isEmptyError(err)` is true; that ends the batch (steps may yield
 * `[]`). Any other error propagates from `next()`, and the items gathered in
 * that step are lost, so let only "empty" errors through.
 *
 * The iterator never finishes: decide end of input in the partition (return
 * `null` from `nextBatch`).
 *
 * @typeParam X - Item type.
 * @param getter - Returns the next ready item, or throws when none is ready.
 * @param size - Maximum number of items per batch; a positive integer.
 * @param isEmptyError - Whether an error thrown by `getter` means "nothing ready now".
 * @returns An endless iterator of arrays.
 * @throws RangeError at call time if `size` is not a positive integer.
 * @category Inputs
 * @example
 * ```ts
 * class Empty extends Error {}
 * const queue = ["a", "b", "c"];
 * const get = (): string => {
 *   if (queue.length === 0) throw new Empty();
 *   return queue.shift()!;
 * };
 * const batches = batchGetterEx(get, 2, (err) => err instanceof Empty);
 * batches.next().value; // ["a", "b"]
 * batches.next().value; // ["c"]
 * batches.next().value; // []
 * ```
 */
export function batchGetterEx<X>(
  getter: () => X,
  size: number,
  isEmptyError: (err: unknown) => boolean,
): IterableIterator<X[]> {
  checkSize("batchGetterEx", size);
  return batchGetterExGen(getter, size, isEmptyError);
}

/** @internal Generator behind {@link batchGetterEx}. */
function* batchGetterExGen<X>(
  getter: () => X,
  size: number,
  isEmptyError: (err: unknown) => boolean,
): Generator<X[], never, undefined> {
  while (true) {
    const current: X[] = [];
    while (current.length < size) {
      let item: X;
      try {
        item = getter();
      } catch (err) {
        if (isEmptyError(err)) break;
        throw err;
      }
      current.push(item);
    }
    yield current;
  }
}

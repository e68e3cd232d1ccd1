/**
 * Helpers for testing source partitions directly.
 *
 * @module
 */

/**
 * Call a partition's `nextBatch` until it returns items or ends, for
 * partition-level tests of sources whose items arrive asynchronously. Between
 * empty batches it waits a few ms (real time), yielding to the event loop so
 * that sockets, timers and child processes make progress. It does not honour
 * `nextAwake`.
 *
 * @typeParam X - Item type.
 * @param partition - Any source partition (or object with `nextBatch`).
 * @param timeoutMs - How long to keep trying, in ms (default 5000).
 * @returns The first non-empty batch, as an array, or `null` if the
 *   partition reported end of input.
 * @throws Error naming the timeout if only empty batches came for
 *   `timeoutMs`. Errors thrown by `nextBatch` propagate.
 * @category Testing
 * @example
 * ```ts
 * const part = await new FileSource("in.txt").buildPart("t.in", "in.txt", undefined);
 * await pollNextBatch(part); // ["first line"]
 * ```
 */
export async function pollNextBatch<X>(
  partition: { nextBatch(): Iterable<X> | null | Promise<Iterable<X> | null> },
  timeoutMs = 5000,
): Promise<X[] | null> {
  const start = performance.now();
  while (true) {
    const got = await partition.nextBatch();
    if (got === null) return null;
    const items = Array.from(got);
    if (items.length > 0) return items;
    const left = timeoutMs - (performance.now() - start);
    if (left <= 0) throw new Error(`pollNextBatch: no items and no end of input within ${timeoutMs} ms`);
    await new Promise<void>((resolve) => setTimeout(resolve, Math.min(POLL_DELAY_MS, left)));
  }
}

/** @internal Delay between two empty polls in {@link pollNextBatch}. */
const POLL_DELAY_MS = 2;

/**
 * Advance an iterator by `n` items, discarding them; stops early if the
 * iterator ends.
 *
 * @typeParam X - Item type.
 * @param it - The iterator to advance.
 * @param n - How many items to skip (a non-negative integer).
 * @throws RangeError if `n` is not a non-negative integer.
 * @category Testing
 * @example
 * ```ts
 * const it = [1, 2, 3, 4][Symbol.iterator]();
 * ffwdIter(it, 2);
 * it.next().value; // 3
 * ```
 */
export function ffwdIter<X>(it: Iterator<X>, n: number): void {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`ffwdIter n must be a non-negative integer; got ${String(n)}`);
  for (let i = 0; i < n; i++) {
    if (it.next().done) return;
  }
}

/**
 * The values of an ordered window step waiting for their key's watermark.
 *
 * @module
 * @internal
 */

/**
 * @internal `[timestamp, value]` pairs by timestamp (ties in arrival order),
 * taken off the front as the watermark passes them. Taken values are dropped
 * lazily (`head` moves; the array is cut once half of it is behind `head`).
 */
export class TimeQueue<V> {
  private items: (readonly [number, V])[];
  private head = 0;

  constructor(resume?: readonly (readonly [number, V])[]) {
    this.items = resume === undefined ? [] : resume.slice();
  }

  /** Whether no value waits. */
  isEmpty(): boolean {
    return this.head === this.items.length;
  }

  /** The earliest waiting timestamp, or `Infinity`. */
  nextTs(): number {
    return this.head < this.items.length ? this.items[this.head][0] : Infinity;
  }

  /** Queue a value, after the values with the same timestamp. */
  push(ts: number, value: V): void {
    const items = this.items;
    let lo = this.head;
    let hi = items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (items[mid][0] <= ts) lo = mid + 1;
      else hi = mid;
    }
    if (lo === items.length) items.push([ts, value]);
    else items.splice(lo, 0, [ts, value]);
  }

  /** Take the values the watermark has passed, in order (`undefined`: none). */
  takeUntil(watermark: number): (readonly [number, V])[] | undefined {
    const items = this.items;
    const from = this.head;
    if (from === items.length || items[from][0] > watermark) return undefined;
    let n = from;
    while (n < items.length && items[n][0] <= watermark) n++;
    const taken = items.slice(from, n);
    if (n === items.length) {
      this.items = [];
      this.head = 0;
    } else if (n >= 1024 && n * 2 >= items.length) {
      this.items = items.slice(n);
      this.head = 0;
    } else {
      this.head = n;
    }
    return taken;
  }

  /** The waiting values, a copy. */
  snapshot(): (readonly [number, V])[] {
    return this.items.slice(this.head);
  }
}

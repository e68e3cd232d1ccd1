/**
 * Sorting keys in UTF-16 code unit order (the order of `Array.prototype.sort`
 * without a comparator) about twice as fast as `sort()` for the short keys
 * with shared prefixes that stateful steps see ("station123", "user:42").
 *
 * @module
 * @internal
 */

/** Below this many strings, a range is insertion-sorted. */
const SMALL = 12;
/** Deeper partitioning than this falls back to `sort()` (bounds the recursion on adversarial input). */
const MAX_DEPTH = 48;

/** Code unit `d` of `s`, or -1 past its end (a shorter string sorts first). */
function unitAt(s: string, d: number): number {
  return d < s.length ? s.charCodeAt(d) : -1;
}

/**
 * Sort `keys` in place in UTF-16 code unit order and return it: the same
 * order as `keys.sort()`, by multikey quicksort (Bentley and Sedgewick: a
 * three-way partition on one code unit at a time, so shared prefixes are
 * compared once per partition rather than once per comparison).
 *
 * @internal
 */
export function sortKeys(keys: string[]): string[] {
  if (keys.length > 1) sortRange(keys, 0, keys.length - 1, 0, 0);
  return keys;
}

/** Sort `a[lo..hi]`, whose strings all share their first `d` code units. */
function sortRange(a: string[], lo: number, hi: number, d: number, depth: number): void {
  while (hi - lo >= SMALL) {
    if (depth > MAX_DEPTH) {
      const part = a.slice(lo, hi + 1).sort();
      for (let i = 0; i < part.length; i++) a[lo + i] = part[i];
      return;
    }
    const x = unitAt(a[lo], d);
    const y = unitAt(a[(lo + hi) >>> 1], d);
    const z = unitAt(a[hi], d);
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let lt = lo;
    let gt = hi;
    let i = lo;
    while (i <= gt) {
      const c = unitAt(a[i], d);
      if (c < pivot) {
        const t = a[lt];
        a[lt++] = a[i];
        a[i++] = t;
      } else if (c > pivot) {
        const t = a[gt];
        a[gt--] = a[i];
        a[i] = t;
      } else {
        i++;
      }
    }
    sortRange(a, lo, lt - 1, d, depth + 1);
    sortRange(a, gt + 1, hi, d, depth + 1);
    // The strings equal on unit d: go on with the next unit (none left if they ended here).
    if (pivot < 0) return;
    lo = lt;
    hi = gt;
    d++;
  }
  for (let i = lo + 1; i <= hi; i++) {
    const s = a[i];
    let j = i - 1;
    while (j >= lo && a[j] > s) {
      a[j + 1] = a[j];
      j--;
    }
    a[j + 1] = s;
  }
}

/**
 * @internal Orders a batch's keys by their ranks (distinct integers below a
 * known bound) with a least-significant-digit radix sort: two or three
 * passes over the batch, rather than a comparison sort. Its buffers are
 * reused from batch to batch (a typed array of a thousand entries is not
 * cheap to allocate).
 */
export class RankSorter {
  private ranks = new Uint32Array(0);
  private order = new Uint32Array(0);
  private spare = new Uint32Array(0);
  private counts = new Uint32Array(0);

  /** A buffer for `n` ranks, to fill before calling {@link sort}. */
  ranksFor(n: number): Uint32Array {
    if (this.ranks.length < n) {
      const size = Math.max(n, this.ranks.length * 2, 64);
      this.ranks = new Uint32Array(size);
      this.order = new Uint32Array(size);
      this.spare = new Uint32Array(size);
    }
    return this.ranks;
  }

  /**
   * The indexes `0..n-1` ordered by the ranks {@link ranksFor} holds (each
   * below `bound`); valid until the next call.
   */
  sort(n: number, bound: number): Uint32Array {
    const ranks = this.ranks;
    let order = this.order;
    if (n < 32) {
      for (let i = 0; i < n; i++) {
        const r = ranks[i];
        let j = i - 1;
        while (j >= 0 && ranks[order[j]] > r) {
          order[j + 1] = order[j];
          j--;
        }
        order[j + 1] = i;
      }
      return order;
    }
    const bits = Math.max(1, 32 - Math.clz32(Math.max(bound - 1, 1)));
    const passes = Math.ceil(bits / 11);
    const digit = Math.ceil(bits / passes);
    const size = 1 << digit;
    if (this.counts.length < size) this.counts = new Uint32Array(size);
    const counts = this.counts;
    const mask = size - 1;
    let from = order;
    let to = this.spare;
    for (let i = 0; i < n; i++) from[i] = i;
    for (let p = 0, shift = 0; p < passes; p++, shift += digit) {
      counts.fill(0, 0, size);
      for (let i = 0; i < n; i++) counts[(ranks[i] >>> shift) & mask]++;
      let sum = 0;
      for (let b = 0; b < size; b++) {
        const c = counts[b];
        counts[b] = sum;
        sum += c;
      }
      for (let i = 0; i < n; i++) {
        const at = from[i];
        to[counts[(ranks[at] >>> shift) & mask]++] = at;
      }
      const t = from;
      from = to;
      to = t;
    }
    // After an odd number of passes the result is in the spare buffer: swap the roles.
    if (from !== this.order) {
      this.spare = this.order;
      this.order = order = from;
    }
    return order;
  }
}

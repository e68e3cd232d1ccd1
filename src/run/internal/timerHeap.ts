/**
 * A binary min-heap of `(time, key)` timers with lazy deletion: the owner
 * keeps the authoritative due time per key and skips stale entries.
 *
 * @module
 * @internal
 */

/** @internal */
export class TimerHeap {
  private times: number[] = [];
  private keys: string[] = [];

  get size(): number {
    return this.times.length;
  }

  /** Earliest time, or `Infinity` when empty. */
  peekTime(): number {
    return this.times.length > 0 ? this.times[0] : Infinity;
  }

  peekKey(): string {
    return this.keys[0];
  }

  push(time: number, key: string): void {
    const t = this.times;
    const k = this.keys;
    let i = t.length;
    t.push(time);
    k.push(key);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (t[p] <= time) break;
      t[i] = t[p];
      k[i] = k[p];
      i = p;
    }
    t[i] = time;
    k[i] = key;
  }

  pop(): void {
    const t = this.times;
    const k = this.keys;
    const lastT = t.pop()!;
    const lastK = k.pop()!;
    const n = t.length;
    if (n === 0) return;
    let i = 0;
    while (true) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const c = l + 1 < n && t[l + 1] < t[l] ? l + 1 : l;
      if (t[c] >= lastT) break;
      t[i] = t[c];
      k[i] = k[c];
      i = c;
    }
    t[i] = lastT;
    k[i] = lastK;
  }

  clear(): void {
    this.times = [];
    this.keys = [];
  }
}

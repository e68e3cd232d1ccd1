/**
 * {@link TimeTestingGetter}: a clock that only moves when told to.
 *
 * @module
 */

/**
 * A manual clock for tests: pass `() => clock.get()` wherever code takes a
 * "now" function, then `advance` it instead of sleeping.
 *
 * @category Testing
 * @example
 * ```ts
 * const clock = new TimeTestingGetter(new Date("2024-01-01T00:00:00Z"));
 * clock.advance(seconds(1.5));
 * clock.get().toISOString(); // "2024-01-01T00:00:01.500Z"
 * ```
 */
export class TimeTestingGetter {
  #now: number;

  /**
   * @param now - The starting time (copied).
   * @throws RangeError if `now` is an invalid Date.
   */
  constructor(now: Date) {
    const t = now.getTime();
    if (!Number.isFinite(t)) throw new RangeError("TimeTestingGetter needs a valid Date");
    this.#now = t;
  }

  /**
   * Move the clock forward (or back, with a negative `ms`).
   *
   * @param ms - Milliseconds to add.
   * @throws RangeError if `ms` is not finite.
   */
  advance(ms: number): void {
    if (!Number.isFinite(ms)) throw new RangeError(`TimeTestingGetter.advance needs a finite number of ms; got ${String(ms)}`);
    this.#now += ms;
  }

  /**
   * The current time.
   *
   * @returns A new Date each call, so callers cannot move the clock by
   *   mutating it.
   */
  get(): Date {
    return new Date(this.#now);
  }
}

/**
 * {@link EventClock}: windows by a timestamp carried in each value.
 *
 * @module
 */
import { BuildError, describeType } from "../../errors.js";
import { Clock } from "./clock.js";
import type { RunClock } from "../../clock.js";
import type { ClockLogic } from "./internal/clockLogic.js";
import { EventClockLogic, type EventClockState } from "./internal/eventClockLogic.js";
import { checkDuration } from "./internal/time.js";

/**
 * Options of {@link EventClock}.
 *
 * @category Windowing
 */
export interface EventClockOptions {
  /**
   * The "system" time the watermark advances with (default: the real system
   * time). Inject a `TimeTestingGetter`'s `() => clock.get()` in tests.
   */
  nowGetter?: () => Date;
  /**
   * When (real system time) the watermark reaches a given instant: used to
   * schedule the timers that close windows while no input arrives. Return
   * `undefined` to rely on new values and EOF only. Default: computed from
   * the clock's state (the watermark moves with `nowGetter`'s time).
   */
  toSystemUtc?: (watermark: Date) => Date | undefined;
}

/**
 * A clock that reads each value's timestamp with `tsGetter` (event time),
 * and waits `waitForSystemDuration` **milliseconds** for out-of-order values
 * (like every duration in Sluice: write `seconds(10)`, not `10`, which is
 * 10 ms).
 *
 * The watermark of a key is the latest `timestamp − waitForSystemDuration`
 * seen, advanced by the system time elapsed since that value arrived; it
 * never moves back. So values may arrive out of order by up to
 * `waitForSystemDuration` without being late, and windows still close on
 * time when a key goes quiet. With a wait of `Infinity` the watermark only
 * moves at EOF: nothing is late and every window closes at EOF. At EOF the
 * watermark jumps to the end of time (without changing the key's state, so a
 * continued run keeps its watermark).
 *
 * @typeParam V - The values it timestamps.
 * @category Windowing
 * @example
 * ```ts
 * type Reading = { sensor: string; at: Date; temp: number };
 * const clock = new win.EventClock((r: Reading) => r.at, seconds(10));
 * // a reading stamped 12:00:05 arriving at 12:00:07 moves the watermark to 11:59:55,
 * // which then advances with system time: 11:59:58 at 12:00:10.
 * ```
 */
export class EventClock<in V> extends Clock<V> {
  /** Reads a value's timestamp. */
  readonly tsGetter: (value: V) => Date;
  /** How long (ms, system time) to wait for out-of-order values. */
  readonly waitForSystemDuration: number;
  /** See {@link EventClockOptions.nowGetter}. */
  readonly nowGetter: (() => Date) | undefined;
  /** See {@link EventClockOptions.toSystemUtc}. */
  readonly toSystemUtc: ((watermark: Date) => Date | undefined) | undefined;

  /**
   * @param tsGetter - Returns a value's timestamp (a valid `Date`, else the
   *   step fails with a `StepError`).
   * @param waitForSystemDurationMs - How long to wait for out-of-order
   *   values, in milliseconds (`seconds(10)`; a bare `10` is 10 ms): `>= 0`,
   *   or `Infinity`. Kept as {@link EventClock.waitForSystemDuration}.
   * @param options - `nowGetter` and `toSystemUtc`.
   * @throws {@link BuildError} for a bad getter, wait or option.
   */
  constructor(tsGetter: (value: V) => Date, waitForSystemDurationMs: number, options: EventClockOptions = {}) {
    super();
    if (typeof tsGetter !== "function") throw new BuildError(`EventClock tsGetter must be a function; got ${describeType(tsGetter)}`);
    this.tsGetter = tsGetter;
    this.waitForSystemDuration = checkDuration("EventClock waitForSystemDuration", waitForSystemDurationMs, {
      allowZero: true,
      allowInfinity: true,
    });
    for (const name of ["nowGetter", "toSystemUtc"] as const) {
      const f: unknown = options[name];
      if (f !== undefined && typeof f !== "function") throw new BuildError(`EventClock ${name} must be a function; got ${describeType(f)}`);
    }
    this.nowGetter = options.nowGetter;
    this.toSystemUtc = options.toSystemUtc;
  }

  /** @internal */
  build(resume: unknown, clock: RunClock): ClockLogic<V, EventClockState | undefined> {
    return new EventClockLogic(this, resume as EventClockState | undefined, clock);
  }
}

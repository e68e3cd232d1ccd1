/**
 * {@link SystemClock}: windows by arrival time.
 *
 * @module
 */
import type { RunClock } from "../../clock.js";
import { Clock } from "./clock.js";
import type { ClockLogic } from "./internal/clockLogic.js";
import { END_OF_TIME } from "./internal/time.js";

/** A key's system clock: the watermark is now (never moving back). */
class SystemClockLogic implements ClockLogic<unknown, null> {
  private now: number;

  constructor(private readonly clock: RunClock) {
    this.now = clock.now();
  }

  beforeBatch(now?: number): void {
    if (now === undefined) this.tick();
    else if (now > this.now) this.now = now;
  }

  onItem(): number {
    return this.now;
  }

  watermark(): number {
    return this.now;
  }

  onNotify(): number {
    this.tick();
    return this.now;
  }

  onEof(): number {
    return END_OF_TIME;
  }

  toSystem(watermark: number): number {
    return Number.isFinite(watermark) ? watermark : Infinity;
  }

  snapshot(): null {
    return null;
  }

  private tick(): void {
    this.now = Math.max(this.now, this.clock.now());
  }
}

/**
 * A clock that stamps each value with the system time at which it reaches
 * the window step (the run's clock: a `VirtualClock` in tests); the
 * watermark is the current system time. No value is
 * ever late, and windows close on time even while no input arrives. At EOF
 * every window closes. It keeps no state of its own.
 *
 * @category Windowing
 * @example
 * ```ts
 * const clock = new win.SystemClock();
 * win.countWindow("per_second", events, clock, new win.TumblingWindower(seconds(1), new Date(0)), (e) => e.user);
 * // down: ["u1", [1717243200, 3]] ... one count per key and second of arrival
 * ```
 */
export class SystemClock extends Clock<unknown> {
  /** @internal */
  build(_resume: unknown, clock: RunClock): ClockLogic<unknown, null> {
    return new SystemClockLogic(clock);
  }
}

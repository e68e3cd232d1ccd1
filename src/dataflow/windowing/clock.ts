/**
 * {@link Clock}: the base of the clocks a window operator can use.
 *
 * @module
 */
import type { RunClock } from "../../clock.js";
import type { ClockLogic } from "./internal/clockLogic.js";

/**
 * A sense of time for window operators: it gives each value a timestamp and
 * keeps a **watermark** per key, the instant before which no more values are
 * expected. Values stamped before the watermark are late; a window closes
 * once the watermark passes its end. At EOF the watermark jumps to the end of
 * time, closing every window.
 *
 * Use {@link SystemClock} (arrival time) or {@link EventClock} (a timestamp in
 * each value). A clock is configuration: each key builds its own state from
 * it, which is part of the key's snapshot.
 *
 * @typeParam V - The values it timestamps.
 * @category Windowing
 * @example
 * ```ts
 * const clock: win.Clock<{ at: Date }> = new win.EventClock((v) => v.at, seconds(5));
 * ```
 */
export abstract class Clock<in V> {
  /**
   * @internal Make a key's clock logic from its snapshot (`undefined` for a
   * new key); system time is read from `clock`, the run's.
   */
  abstract build(resume: unknown, clock: RunClock): ClockLogic<V, unknown>;
}

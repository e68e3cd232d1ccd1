/**
 * {@link TumblingWindower}: back-to-back windows of one length.
 *
 * @module
 */
import { Windower } from "./windower.js";
import type { WindowerLogic, WindowShape } from "./internal/windowerLogic.js";
import { SlidingWindowerLogic, type SlidingState } from "./internal/slidingLogic.js";
import { checkDuration, checkInstant } from "./internal/time.js";

/**
 * Fixed windows of `length` ms, back to back: window `i` covers
 * `[alignTo + i·length, alignTo + (i + 1)·length)`, so each timestamp falls
 * in exactly one window. Ids are integers and negative before `alignTo`.
 * A window closes when the watermark reaches its end.
 *
 * @category Windowing
 * @example
 * ```ts
 * const windower = new win.TumblingWindower(minutes(1), new Date("2024-01-01T00:00:00Z"));
 * // 2024-01-01T00:00:30Z is in window 0, 00:01:00Z in window 1, 2023-12-31T23:59:59Z in window -1
 * ```
 */
export class TumblingWindower extends Windower {
  /** Length of each window (ms). */
  readonly length: number;
  /** An instant where a window opens (window 0). */
  readonly alignTo: Date;

  /**
   * @param length - Window length, ms `> 0`.
   * @param alignTo - Where window 0 opens (default: the Unix epoch).
   * @throws {@link BuildError} for a bad length or instant.
   */
  constructor(length: number, alignTo: Date = new Date(0)) {
    super();
    this.length = checkDuration("TumblingWindower length", length, { allowZero: false, allowInfinity: false });
    this.alignTo = new Date(checkInstant("TumblingWindower alignTo", alignTo));
  }

  /** @internal */
  build(resume: unknown): WindowerLogic<SlidingState> {
    return new SlidingWindowerLogic(this.length, this.length, this.alignTo.getTime(), resume as SlidingState | undefined);
  }
  /** @internal */
  shape(): WindowShape {
    return { kind: "fixed", length: this.length, offset: this.length, alignTo: this.alignTo.getTime() };
  }

}

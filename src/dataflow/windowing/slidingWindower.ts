/**
 * {@link SlidingWindower}: windows of one length opening every `offset`.
 *
 * @module
 */
import { BuildError } from "../../errors.js";
import { Windower } from "./windower.js";
import type { WindowerLogic, WindowShape } from "./internal/windowerLogic.js";
import { SlidingWindowerLogic, type SlidingState } from "./internal/slidingLogic.js";
import { checkDuration, checkInstant } from "./internal/time.js";

/**
 * Windows of `length` ms opening every `offset` ms: window `i` covers
 * `[alignTo + i·offset, alignTo + i·offset + length)`. With `offset <
 * length` windows overlap and a timestamp falls in about `length / offset`
 * of them; with `offset === length` this is a {@link TumblingWindower}.
 * `offset > length` would leave gaps where items belong to no window, so it
 * is rejected. Ids are integers and negative before `alignTo`. A window
 * closes when the watermark reaches its end.
 *
 * @category Windowing
 * @example
 * ```ts
 * const windower = new win.SlidingWindower(seconds(10), seconds(5), new Date(0));
 * // 1970-01-01T00:00:12Z is in window 1 [5 s, 15 s) and window 2 [10 s, 20 s)
 * ```
 */
export class SlidingWindower extends Windower {
  /** Length of each window (ms). */
  readonly length: number;
  /** Time between the openings of consecutive windows (ms). */
  readonly offset: number;
  /** An instant where a window opens (window 0). */
  readonly alignTo: Date;

  /**
   * @param length - Window length, ms `> 0`.
   * @param offset - Ms between window openings, `> 0` and `<= length`.
   * @param alignTo - Where window 0 opens (default: the Unix epoch).
   * @throws {@link BuildError} for a bad duration or instant, or `offset > length`.
   */
  constructor(length: number, offset: number, alignTo: Date = new Date(0)) {
    super();
    this.length = checkDuration("SlidingWindower length", length, { allowZero: false, allowInfinity: false });
    this.offset = checkDuration("SlidingWindower offset", offset, { allowZero: false, allowInfinity: false });
    if (offset > length) {
      throw new BuildError(
        `SlidingWindower offset (${offset} ms) must not be longer than length (${length} ms): there would be gaps between windows`,
      );
    }
    this.alignTo = new Date(checkInstant("SlidingWindower alignTo", alignTo));
  }

  /** @internal */
  build(resume: unknown): WindowerLogic<SlidingState> {
    return new SlidingWindowerLogic(this.length, this.offset, this.alignTo.getTime(), resume as SlidingState | undefined);
  }
  /** @internal */
  shape(): WindowShape {
    return { kind: "fixed", length: this.length, offset: this.offset, alignTo: this.alignTo.getTime() };
  }

}

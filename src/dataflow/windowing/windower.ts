/**
 * {@link Windower}: the base of the window shapes a window operator can use.
 *
 * @module
 */
import type { WindowerLogic, WindowShape } from "./internal/windowerLogic.js";

/**
 * A shape of windows: which windows a timestamp falls in, and when each
 * window closes. Windows are named by integer ids, per key.
 *
 * Use {@link TumblingWindower}, {@link SlidingWindower} or
 * {@link SessionWindower}. A windower is configuration: each key builds its
 * own state from it (its open windows), which is part of the key's snapshot.
 *
 * @category Windowing
 * @example
 * ```ts
 * const windower: win.Windower = new win.TumblingWindower(minutes(1), new Date("2024-01-01T00:00:00Z"));
 * ```
 */
export abstract class Windower {
  /**
   * @internal Make a key's windower logic from its snapshot (`undefined` for
   * a new key).
   */
  abstract build(resume: unknown): WindowerLogic<unknown>;

  /** @internal The windows' shape, for the operators that compute on it directly. */
  abstract shape(): WindowShape;
}

/**
 * {@link SessionWindower}: windows of activity separated by quiet gaps.
 *
 * @module
 */
import { Windower } from "./windower.js";
import type { WindowerLogic, WindowShape } from "./internal/windowerLogic.js";
import { LATE_SESSION_ID, SessionWindowerLogic, type SessionState } from "./internal/sessionLogic.js";
import { checkDuration } from "./internal/time.js";

/**
 * Session windows: a key's items at most `gap` ms apart (inclusive) share a
 * session. Sessions are numbered 0, 1, 2 … per key, in the order they open.
 * When an out-of-order item brings two sessions within `gap` of each other
 * they merge: the earlier session keeps its id and lists the other in its
 * metadata's `mergedIds`. A session closes once the watermark is past its
 * last item + `gap`; its metadata spans its first to last item. Late items
 * are reported under id {@link LATE_SESSION_ID}.
 *
 * @category Windowing
 * @example
 * ```ts
 * const windower = new win.SessionWindower(minutes(5));
 * // clicks at 10:00, 10:03, 10:20 of key "u1": session 0 [10:00, 10:03], session 1 [10:20, 10:20]
 * ```
 */
export class SessionWindower extends Windower {
  /** Longest quiet time (ms) within a session. */
  readonly gap: number;

  /**
   * @param gap - Ms `>= 0`, finite.
   * @throws {@link BuildError} for a negative or non-finite gap.
   */
  constructor(gap: number) {
    super();
    this.gap = checkDuration("SessionWindower gap", gap, { allowZero: true, allowInfinity: false });
  }

  /** @internal */
  build(resume: unknown): WindowerLogic<SessionState> {
    return new SessionWindowerLogic(this.gap, resume as SessionState | undefined);
  }
  /** @internal */
  shape(): WindowShape {
    return { kind: "session", gap: this.gap };
  }

}

export { LATE_SESSION_ID };

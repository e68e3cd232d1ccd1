/**
 * {@link WindowMetadata}: what the `meta` output says about a closed window.
 *
 * @module
 */

/**
 * Metadata of a window, emitted on a window operator's `meta` output as
 * `[key, [windowId, metadata]]` once, when the window closes (after its last
 * `down` value). It is the window's final extent:
 *
 * - tumbling and sliding windows: `[openTime, closeTime)` (close exclusive);
 * - session windows: the first and last item's timestamps (both inclusive),
 *   after every merge; `mergedIds` lists the sessions merged into it.
 *
 * A plain object (structured-cloneable), not a class.
 *
 * @category Windowing
 * @example
 * ```ts
 * const { meta } = win.collectWindow("c", keyed, clock, new win.TumblingWindower(seconds(10), new Date(0)));
 * // meta item: ["a", [3, { openTime: 1970-01-01T00:00:30Z, closeTime: 1970-01-01T00:00:40Z, mergedIds: Set {} }]]
 * ```
 */
export interface WindowMetadata {
  /** When the window opens (inclusive). */
  readonly openTime: Date;
  /** When it closes: exclusive for tumbling and sliding windows, the last item's time for sessions. */
  readonly closeTime: Date;
  /** Ids of the windows merged into this one (sessions only; empty otherwise). */
  readonly mergedIds: Set<number>;
}

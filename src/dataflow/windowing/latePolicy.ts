/**
 * {@link LatePolicy}: what a window operator does with late values.
 *
 * @module
 */

/**
 * What a window operator does with a late value (one stamped before its
 * key's watermark), as Wallaroo's late-data policies:
 *
 * - `"stream"` (the default): send it to `late`, once per window it would
 *   have been in (with {@link LATE_SESSION_ID} for session windows).
 * - `"drop"`: drop it.
 * - `"firePerMessage"`: emit it at once on `down` as a window of its own,
 *   with the id of each window it would have been in.
 * - `"placeInOldestWindow"`: add it to the oldest window of its key still
 *   open (emitted when that window closes); with none open, as
 *   `"firePerMessage"`.
 *
 * A key whose windows have all closed is forgotten, watermark included: a
 * value arriving after that starts the key afresh and is not late.
 *
 * @category Windowing
 * @example
 * ```ts
 * const policy: win.LatePolicy = "placeInOldestWindow";
 * ```
 */
export type LatePolicy = "stream" | "drop" | "firePerMessage" | "placeInOldestWindow";

/** @internal The late policies, for checking an option. */
export const LATE_POLICIES: readonly LatePolicy[] = ["stream", "drop", "firePerMessage", "placeInOldestWindow"];

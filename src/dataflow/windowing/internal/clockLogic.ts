/**
 * The per-key side of a clock.
 *
 * @module
 * @internal
 */

/**
 * @internal A key's sense of time, built by a `Clock` from the key's
 * snapshot. Instants are epoch ms; the watermark never regresses.
 */
export interface ClockLogic<in V, S> {
  /** Called once before the values of a batch (to read "now" once): `now` is the run clock's, if the caller read it. */
  beforeBatch(now?: number): void;
  /** The timestamp of `value`; may advance the watermark. */
  onItem(value: V): number;
  /** The watermark after the last `onItem`. */
  watermark(): number;
  /** The watermark now, when no value arrived (on a timer). */
  onNotify(): number;
  /** The watermark at EOF (the end of time); does not change the state. */
  onEof(): number;
  /** The system instant (epoch ms) at which the watermark reaches `watermark`, or `Infinity` for never. */
  toSystem(watermark: number): number;
  /** Plain data to rebuild this logic from. */
  snapshot(): S;
}

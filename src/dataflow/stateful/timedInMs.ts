/**
 * A cheaper `notifyAt` for the built-in stateful logics.
 *
 * @module
 * @internal
 */

/**
 * @internal A built-in logic's `notifyAt` in epoch ms (`Infinity` for none),
 * preferred by the runtime to `notifyAt()`: no `Date` per key and batch.
 */
export const NOTIFY_AT_MS: unique symbol = Symbol("sluice.notifyAtMs");

/** @internal A logic with {@link NOTIFY_AT_MS}. */
export interface TimedInMs {
  [NOTIFY_AT_MS](): number;
}

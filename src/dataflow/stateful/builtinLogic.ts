/**
 * Cheaper calls for the built-in stateful logics: `notifyAt` in ms, and
 * `onBatch` writing its `[key, value]` items straight into the step's output.
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

/**
 * @internal A built-in logic's `onBatch` that pushes its `[key, value]`
 * items into `out` itself and returns the discard flag, preferred by the
 * runtime to `onBatch()`: no result array or tuple per key and batch. `now`
 * is the run clock's time, read once per batch for all its keys; `key` is
 * the key the logic was built for (so a logic need not keep it). `values`
 * is only lent for the call: the runtime may reuse the array afterwards.
 */
export const ON_BATCH_INTO: unique symbol = Symbol("sluice.onBatchInto");

/** @internal A logic with {@link ON_BATCH_INTO}. */
export interface BatchInto {
  [ON_BATCH_INTO](values: unknown[], out: unknown[], now: number, key: string): boolean;
}

/**
 * @internal Marks the builder of a `statefulMap` / `statefulFlatMap` step
 * with its {@link MapState}: the runtime then keeps each key's state in the
 * key's entry and applies the mapper itself, without a logic object per key
 * (a million keys would hold a million of them). Its results are those of
 * the logic the builder makes.
 */
export const MAP_STATE: unique symbol = Symbol("sluice.mapState");

/** @internal How a `statefulMap` / `statefulFlatMap` step maps a key's values. */
export interface MapState {
  /**
   * Apply the mapper to `values` from `state`, pushing `[key, value]` items
   * into `out`; the new state (`undefined`: the key is discarded).
   */
  apply(state: unknown, values: unknown[], out: unknown[], key: string): unknown;
}

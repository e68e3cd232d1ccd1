/**
 * Copies of accumulators for snapshots.
 *
 * @module
 * @internal
 */

/**
 * @internal A deep copy, so an `update` or folder that mutates its
 * accumulator cannot change a snapshot; what cannot be cloned is passed as
 * is, for the state serde to reject with a message naming it.
 */
export function copy<S>(acc: S): S {
  if (acc === null || typeof acc !== "object") return acc;
  try {
    return structuredClone(acc);
  } catch {
    return acc;
  }
}

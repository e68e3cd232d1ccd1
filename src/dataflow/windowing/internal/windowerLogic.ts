/**
 * The per-key side of a windower.
 *
 * @module
 * @internal
 */
import type { WindowMetadata } from "../windowMetadata.js";

/**
 * @internal A key's open windows, built by a `Windower` from the key's
 * snapshot. Instants are epoch ms.
 */
export interface WindowerLogic<S> {
  /** Ids of the windows an on-time item at `ts` belongs to (opening them). */
  openFor(ts: number): readonly number[];
  /** Ids of the windows a late item at `ts` would have belonged to. */
  lateFor(ts: number): readonly number[];
  /** `[original, target]` merges since the last call (originals are gone). */
  merged(): readonly (readonly [number, number])[];
  /** Remove and return the windows closed at `watermark`, in closing order. */
  closeFor(watermark: number): readonly (readonly [number, WindowMetadata])[];
  /** The oldest window open (the first to close), or `undefined` if none is. */
  oldestOpen(): number | undefined;
  /** The watermark at which the next window closes, or `undefined` if none is open. */
  nextClose(): number | undefined;
  /** Whether the state holds nothing worth keeping. */
  isEmpty(): boolean;
  /** Plain data to rebuild this logic from. */
  snapshot(): S;
}

/**
 * @internal The shape of a windower's windows: `fixed` window `i` covers
 * `[alignTo + i·offset, alignTo + i·offset + length)` (tumbling when
 * `offset === length`); `session` windows grow while items come within `gap`.
 */
export type WindowShape =
  | { readonly kind: "fixed"; readonly length: number; readonly offset: number; readonly alignTo: number }
  | { readonly kind: "session"; readonly gap: number };

/** @internal Metadata of a window as emitted on `meta`. */
export function metadata(openTime: number, closeTime: number, mergedIds: Iterable<number> = []): WindowMetadata {
  return { openTime: new Date(openTime), closeTime: new Date(closeTime), mergedIds: new Set(mergedIds) };
}

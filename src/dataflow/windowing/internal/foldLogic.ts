/**
 * The window logic of `foldWindow` (and of the operators made of it).
 *
 * @module
 * @internal
 */
import { WindowLogic } from "../windowLogic.js";

/** @internal Snapshot of a fold window: the accumulator, boxed so `undefined` survives. */
export interface FoldState<S> {
  readonly acc: S;
}

/** @internal Folds each value into an accumulator; emits it when the window closes. */
export class FoldWindowLogic<V, S> extends WindowLogic<V, S, FoldState<S>> {
  constructor(
    private readonly folder: (acc: S, value: V) => S,
    private readonly merger: (acc: S, original: S) => S,
    private acc: S,
  ) {
    super();
  }

  onValue(value: V): Iterable<S> {
    this.acc = this.folder(this.acc, value);
    return [];
  }

  onMerge(original: FoldWindowLogic<V, S>): Iterable<S> {
    this.acc = this.merger(this.acc, original.acc);
    return [];
  }

  onClose(): Iterable<S> {
    return [this.acc];
  }

  snapshot(): FoldState<S> {
    return { acc: copy(this.acc) };
  }
}

/**
 * @internal A deep copy, so a folder that mutates its accumulator cannot
 * change a snapshot; what cannot be cloned is passed as is, for the state
 * serde to reject with a message naming it.
 */
export function copy<S>(acc: S): S {
  if (acc === null || typeof acc !== "object") return acc;
  try {
    return structuredClone(acc);
  } catch {
    return acc;
  }
}

import type { Stream } from "../stream.js";
import { defineCore } from "../internal/operator.js";

/**
 * The two outputs of {@link branch}.
 *
 * @typeParam T - Type of the items the predicate accepted.
 * @typeParam F - Type of the items it rejected.
 * @category Stateless
 */
export interface BranchOut<T, F> {
  /** Items for which the predicate returned `true`. */
  readonly trues: Stream<T>;
  /** Items for which it returned `false`. */
  readonly falses: Stream<F>;
}

/**
 * Split a stream in two by a predicate, which must return a boolean (else a
 * `StepError` with cause `TypeError`). A type-guard predicate narrows both
 * sides. Core operator.
 *
 * @param stepId - The step's name.
 * @param up - Stream to split.
 * @param predicate - `true` sends the item to `trues`, `false` to `falses`.
 * @returns `{ trues, falses }`.
 * @category Stateless
 * @example
 * ```ts
 * const { trues, falses } = flow.input("in", new TestingSource([1, 2, 3])).branch("even", (x) => x % 2 === 0);
 * // trues: 2; falses: 1, 3
 * ```
 */
export function branch<X, Y extends X>(stepId: string, up: Stream<X>, predicate: (x: X) => x is Y): BranchOut<Y, Exclude<X, Y>>;
export function branch<X>(stepId: string, up: Stream<X>, predicate: (x: X) => boolean): BranchOut<X, X>;
export function branch<X>(stepId: string, up: Stream<X>, predicate: (x: X) => boolean): BranchOut<X, X> {
  const spec = { kind: "branch", predicate: predicate as (x: unknown) => unknown, fn: "predicate" } as const;
  return defineCore("branch", stepId, { up }, spec, ["trues", "falses"]);
}

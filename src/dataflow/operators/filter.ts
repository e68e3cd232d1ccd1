import type { Stream } from "../stream.js";
import { defineOperator, builtin } from "../internal/operator.js";
import { corePerItem } from "../internal/core.js";

/**
 * Keep the items for which `predicate` returns `true`. The predicate must
 * return a boolean: anything else is a `StepError` (cause `TypeError`). With a
 * type-guard predicate the output type is narrowed.
 *
 * @param stepId - The step's name.
 * @param up - Stream to filter.
 * @param predicate - `true` keeps the item.
 * @returns The stream of kept items.
 * @category Stateless
 * @example
 * ```ts
 * flow.input("in", new TestingSource([1, 2, 3, 4])).filter("even", (x) => x % 2 === 0).output("out", new TestingSink(out));
 * // out = [2, 4]
 * ```
 */
export function filter<X, Y extends X>(stepId: string, up: Stream<X>, predicate: (x: X) => x is Y): Stream<Y>;
export function filter<X>(stepId: string, up: Stream<X>, predicate: (x: X) => boolean): Stream<X>;
export function filter<X>(stepId: string, up: Stream<X>, predicate: (x: X) => boolean): Stream<X> {
  return defineOperator("filter", stepId, { up }, ({ up }) => ({ down: corePerItem("flat_map_batch", up, "filter", predicate, "predicate") }), builtin).down;
}

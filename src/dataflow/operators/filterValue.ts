import type { KeyedStream } from "../stream.js";
import { defineOperator, builtin } from "../internal/operator.js";
import { overKeyedItems } from "../internal/core.js";
import { filter } from "./filter.js";

/**
 * Keep the `[key, value]` items whose value passes `predicate` (which must
 * return a boolean). A type-guard predicate narrows the value type.
 *
 * @param stepId - The step's name.
 * @param up - Keyed stream.
 * @param predicate - `true` keeps the item.
 * @returns Keyed stream of kept items.
 * @category Stateless
 * @example
 * ```ts
 * keyed.filterValue("positive", (v) => v > 0);
 * ```
 */
export function filterValue<V, W extends V>(stepId: string, up: KeyedStream<V>, predicate: (v: V) => v is W): KeyedStream<W>;
export function filterValue<V>(stepId: string, up: KeyedStream<V>, predicate: (v: V) => boolean): KeyedStream<V>;
export function filterValue<V>(stepId: string, up: KeyedStream<V>, predicate: (v: V) => boolean): KeyedStream<V> {
  return defineOperator("filterValue", stepId, { up }, ({ up }) => ({
    down: filter("filter", up, overKeyedItems((kv: readonly [string, V]) => predicate(kv[1]))),
  }), builtin).down;
}

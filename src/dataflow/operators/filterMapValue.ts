import type { KeyedStream } from "../stream.js";
import { defineOperator, builtin } from "../internal/operator.js";
import { overKeyedItems } from "../internal/core.js";
import { filterMap } from "./filterMap.js";

/**
 * Map the value of every `[key, value]` item and drop the items whose new
 * value is `undefined`.
 *
 * @param stepId - The step's name.
 * @param up - Keyed stream.
 * @param mapper - Returns the new value, or `undefined` to drop the item.
 * @returns Keyed stream of defined new values.
 * @category Stateless
 * @example
 * ```ts
 * keyed.filterMapValue("parse", (s) => (s === "" ? undefined : Number(s)));
 * ```
 */
export function filterMapValue<V, W>(stepId: string, up: KeyedStream<V>, mapper: (v: V) => W | undefined): KeyedStream<W> {
  return defineOperator("filterMapValue", stepId, { up }, ({ up }) => ({
    down: filterMap(
      "filter_map",
      up,
      overKeyedItems((kv: readonly [string, V]): readonly [string, W] | undefined => {
        const w = mapper(kv[1]);
        return w === undefined ? undefined : [kv[0], w];
      }),
    ),
  }), builtin).down;
}

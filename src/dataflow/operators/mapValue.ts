import type { KeyedStream } from "../stream.js";
import { defineOperator, builtin } from "../internal/operator.js";
import { overKeyedItems } from "../internal/core.js";
import { map } from "./map.js";

/**
 * Map the value of every `[key, value]` item, keeping the key.
 *
 * @param stepId - The step's name.
 * @param up - Keyed stream.
 * @param mapper - Called with each value.
 * @returns Keyed stream of mapped values.
 * @category Stateless
 * @example
 * ```ts
 * keyed.mapValue("double", (v) => v * 2);
 * // ["a", 1] becomes ["a", 2]
 * ```
 */
export function mapValue<V, W>(stepId: string, up: KeyedStream<V>, mapper: (v: V) => W): KeyedStream<W> {
  return defineOperator("mapValue", stepId, { up }, ({ up }) => ({
    down: map("map", up, overKeyedItems((kv: readonly [string, V]): readonly [string, W] => [kv[0], mapper(kv[1])])),
  }), builtin).down;
}

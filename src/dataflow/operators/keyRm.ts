import type { KeyedStream, Stream } from "../stream.js";
import { defineOperator, builtin } from "../internal/operator.js";
import { map } from "./map.js";

/**
 * Drop the key of a keyed stream: `[k, v]` becomes `v`.
 *
 * @param stepId - The step's name.
 * @param up - Keyed stream.
 * @returns The stream of values.
 * @category Stateless
 * @example
 * ```ts
 * keyed.keyRm("values").output("out", new TestingSink(out));
 * // [["a", 1]] becomes [1]
 * ```
 */
export function keyRm<V>(stepId: string, up: KeyedStream<V>): Stream<V> {
  return defineOperator("keyRm", stepId, { up }, ({ up }) => ({ down: map("map", up, (kv) => kv[1]) }), builtin).down;
}

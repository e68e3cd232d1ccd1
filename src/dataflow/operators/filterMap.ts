import type { Stream } from "../stream.js";
import { defineOperator, builtin } from "../internal/operator.js";
import { corePerItem } from "../internal/core.js";

/**
 * Map every item and drop the results that are `undefined`.
 *
 * @param stepId - The step's name.
 * @param up - Stream to transform.
 * @param mapper - Returns the new item, or `undefined` to drop it.
 * @returns The stream of defined results.
 * @category Stateless
 * @example
 * ```ts
 * flow
 *   .input("in", new TestingSource(["1", "x", "3"]))
 *   .filterMap("parse", (s) => { const n = Number(s); return Number.isNaN(n) ? undefined : n; })
 *   .output("out", new TestingSink(out));
 * // out = [1, 3]
 * ```
 */
export function filterMap<X, Y>(stepId: string, up: Stream<X>, mapper: (x: X) => Y | undefined): Stream<Y> {
  return defineOperator("filterMap", stepId, { up }, ({ up }) => ({ down: corePerItem("flat_map_batch", up, "filterMap", mapper, "mapper") }), builtin).down;
}

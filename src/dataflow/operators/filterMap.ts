import type { Stream } from "../stream.js";
import { defineOperator, builtin } from "../internal/operator.js";
import { coreFlatMapBatch } from "../internal/core.js";

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
  return defineOperator("filterMap", stepId, { up }, ({ up }) => {
    const shim = (xs: X[]): Y[] => {
      // Preallocated and trimmed: faster than growing with push.
      const n = xs.length;
      const out = new Array<Y>(n);
      let k = 0;
      for (let i = 0; i < n; i++) {
        const y = mapper(xs[i]);
        if (y !== undefined) out[k++] = y;
      }
      if (k !== n) out.length = k;
      return out;
    };
    return { down: coreFlatMapBatch("flat_map_batch", up, shim, "mapper", { kind: "filterMap", fn: mapper }) };
  }, builtin).down;
}

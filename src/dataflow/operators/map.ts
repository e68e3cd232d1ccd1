import type { Stream } from "../stream.js";
import { defineOperator, builtin } from "../internal/operator.js";
import { coreFlatMapBatch } from "../internal/core.js";

/**
 * Emit `mapper(x)` for every item `x`.
 *
 * @param stepId - The step's name.
 * @param up - Stream to transform.
 * @param mapper - Called once per item.
 * @returns The stream of results, in order.
 * @category Stateless
 * @example
 * ```ts
 * flow.input("in", new TestingSource([1, 2])).map("add_one", (x) => x + 1).output("out", new TestingSink(out));
 * // out = [2, 3]
 * ```
 */
export function map<X, Y>(stepId: string, up: Stream<X>, mapper: (x: X) => Y): Stream<Y> {
  return defineOperator("map", stepId, { up }, ({ up }) => {
    const shim = (xs: X[]): Y[] => {
      const n = xs.length;
      const out = new Array<Y>(n);
      for (let i = 0; i < n; i++) out[i] = mapper(xs[i]);
      return out;
    };
    return { down: coreFlatMapBatch("flat_map_batch", up, shim, "mapper", { kind: "map", fn: mapper }) };
  }, builtin).down;
}

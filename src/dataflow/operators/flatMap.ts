import { describeType } from "../../errors.js";
import type { Stream } from "../stream.js";
import { defineOperator, builtin } from "../internal/operator.js";
import { coreFlatMapBatch } from "../internal/core.js";

/**
 * Emit every item of the iterable `mapper(x)` returns, for every item `x`.
 * A result that is not iterable is a `StepError` (cause `TypeError`).
 *
 * @param stepId - The step's name.
 * @param up - Stream to transform.
 * @param mapper - Returns zero or more items per item.
 * @returns The stream of all returned items, in order.
 * @category Stateless
 * @example
 * ```ts
 * flow.input("in", new TestingSource(["a b", "c"])).flatMap("split", (s) => s.split(" ")).output("out", new TestingSink(out));
 * // out = ["a", "b", "c"]
 * ```
 */
export function flatMap<X, Y>(stepId: string, up: Stream<X>, mapper: (x: X) => Iterable<Y>): Stream<Y> {
  return defineOperator("flatMap", stepId, { up }, ({ up }) => {
    const shim = (xs: X[]): Y[] => {
      // Preallocated for one item out per item in (grows past it as needed), then trimmed.
      const n = xs.length;
      const out = new Array<Y>(n);
      let k = 0;
      for (let i = 0; i < n; i++) {
        const ys = mapper(xs[i]);
        if (Array.isArray(ys)) {
          const m = ys.length;
          for (let j = 0; j < m; j++) out[k++] = ys[j];
        } else if (ys != null && typeof (ys as Iterable<Y>)[Symbol.iterator] === "function") {
          for (const y of ys) out[k++] = y;
        } else {
          throw new TypeError(`\`flatMap\` mapper must return an iterable; got ${describeType(ys)}`);
        }
      }
      if (k !== n) out.length = k;
      return out;
    };
    return { down: coreFlatMapBatch("flat_map_batch", up, shim, "mapper", { kind: "flatMap", fn: mapper }) };
  }, builtin).down;
}

import { describeType } from "../../errors.js";
import type { Stream } from "../stream.js";
import { defineOperator, builtin } from "../internal/operator.js";
import { flatMap } from "./flatMap.js";

/**
 * Emit every element of every (iterable) item. A non-iterable item is a
 * `StepError` (cause `TypeError`).
 *
 * @param stepId - The step's name.
 * @param up - Stream of iterables.
 * @returns The stream of their elements.
 * @category Stateless
 * @example
 * ```ts
 * flow.input("in", new TestingSource([[1, 2], [3]])).flatten("flat").output("out", new TestingSink(out));
 * // out = [1, 2, 3]
 * ```
 */
export function flatten<X>(stepId: string, up: Stream<Iterable<X>>): Stream<X> {
  return defineOperator("flatten", stepId, { up }, ({ up }) => {
    const shim = (xs: Iterable<X>): Iterable<X> => {
      if (xs == null || typeof xs[Symbol.iterator] !== "function") {
        throw new TypeError(`\`flatten\` needs iterable items; got ${describeType(xs)}`);
      }
      return xs;
    };
    return { down: flatMap("flat_map", up, shim) };
  }, builtin).down;
}

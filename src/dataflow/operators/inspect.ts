import { inspect as show } from "node:util";
import type { Stream } from "../stream.js";
import { defineOperator, builtin } from "../internal/operator.js";
import { coreInspectDebug } from "../internal/core.js";

/**
 * Observe every item. The default inspector prints
 * `` `${stepId}: ${inspect(item)}` ``.
 *
 * @param stepId - The step's name.
 * @param up - Stream to observe.
 * @param inspector - Called with this step's id and each item.
 * @returns The same items, unchanged.
 * @category Stateless
 * @example
 * ```ts
 * flow.input("in", new TestingSource([1])).inspect("look").output("out", new TestingSink(out));
 * // prints: f.look: 1
 * ```
 */
export function inspect<X>(
  stepId: string,
  up: Stream<X>,
  inspector: (stepId: string, item: X) => void = (s, x) => console.log(`${s}: ${show(x)}`),
): Stream<X> {
  return defineOperator("inspect", stepId, { up }, ({ up }, step) => ({
    down: coreInspectDebug("inspect_debug", up, (_s, x: X) => inspector(step.stepId, x), "inspector"),
  }), builtin).down;
}

import { inspect as show } from "node:util";
import type { Stream } from "../stream.js";
import { defineOperator, builtin } from "../internal/operator.js";
import { coreFlatMapBatch } from "../internal/core.js";

/**
 * Fail the run if any item arrives: asserts that a stream stays empty (for
 * example the `late` stream of a window, or parse errors).
 *
 * @param stepId - The step's name.
 * @param up - Stream that must stay empty.
 * @category Stateless
 * @example
 * ```ts
 * errors.raises("no_errors");
 * // an item "x" stops the run: StepError ... `raises` step 'f.no_errors' got an item: 'x'
 * ```
 */
export function raises<X>(stepId: string, up: Stream<X>): void {
  defineOperator("raises", stepId, { up }, ({ up }, step) => {
    const shim = (xs: X[]): X[] => {
      if (xs.length > 0) throw new Error(`\`raises\` step '${step.stepId}' got an item: ${show(xs[0])}`);
      return xs;
    };
    return { down: coreFlatMapBatch("flat_map_batch", up, shim, "raises") };
  }, builtin);
}

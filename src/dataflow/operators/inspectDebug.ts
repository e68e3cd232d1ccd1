import { inspect as show } from "node:util";
import type { Stream } from "../stream.js";
import { coreInspectDebug } from "../internal/core.js";

/**
 * Observe every item with its epoch and worker, for debugging. Core operator.
 * The default inspector prints `` `${stepId} W${worker} @${epoch}: ${inspect(item)}` ``.
 *
 * @param stepId - The step's name.
 * @param up - Stream to observe.
 * @param inspector - Called with the step id, item, epoch and worker index.
 * @returns The same items, unchanged.
 * @category Stateless
 * @example
 * ```ts
 * flow.input("in", new TestingSource(["a"])).inspectDebug("dbg").output("out", new TestingSink(out));
 * // prints: f.dbg W0 @1: 'a'
 * ```
 */
export function inspectDebug<X>(
  stepId: string,
  up: Stream<X>,
  inspector: (stepId: string, item: X, epoch: number, worker: number) => void = (s, x, e, w) =>
    console.log(`${s} W${w} @${e}: ${show(x)}`),
): Stream<X> {
  return coreInspectDebug(stepId, up, inspector, "inspector");
}

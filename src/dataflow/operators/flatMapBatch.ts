import type { Stream } from "../stream.js";
import { coreFlatMapBatch } from "../internal/core.js";

/**
 * Transform a whole batch at once: `mapper` gets every item of a batch and
 * returns the items to emit. Core operator; every stateless transformation is
 * built on it. `mapper` may return a Promise, awaited once per batch.
 *
 * @param stepId - The step's name.
 * @param up - Stream to transform.
 * @param mapper - Called once per batch.
 * @returns The stream of emitted items.
 * @category Stateless
 * @example
 * ```ts
 * flow
 *   .input("in", new TestingSource([1, 2, 3], 3))
 *   .flatMapBatch("sum", (xs) => [xs.reduce((a, b) => a + b, 0)])
 *   .output("out", new TestingSink(out));
 * // out = [6]
 * ```
 */
export function flatMapBatch<X, Y>(
  stepId: string,
  up: Stream<X>,
  mapper: (xs: X[]) => Iterable<Y> | Promise<Iterable<Y>>,
): Stream<Y> {
  return coreFlatMapBatch(stepId, up, mapper, "mapper");
}

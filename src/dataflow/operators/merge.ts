import type { Stream } from "../stream.js";
import { defineCore } from "../internal/operator.js";

/**
 * Combine streams into one stream of all their items. Core operator.
 *
 * @param stepId - The step's name.
 * @param ups - Streams to combine (at least one).
 * @returns One stream of every item of every input.
 * @category Stateless
 * @example
 * ```ts
 * const a = flow.input("a", new TestingSource([1, 2]));
 * const b = flow.input("b", new TestingSource([3]));
 * op.merge("both", a, b).output("out", new TestingSink(out));
 * // out = [1, 3, 2]
 * ```
 */
export function merge<X>(stepId: string, ...ups: Stream<X>[]): Stream<X> {
  return defineCore("merge", stepId, { ups }, { kind: "merge" }, ["down"]).down;
}

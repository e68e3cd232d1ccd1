import type { Stream } from "../stream.js";
import { defineCore } from "../internal/operator.js";

/**
 * The item type of a stream.
 *
 * @typeParam S - A stream type.
 * @category Dataflow
 */
export type ItemOf<S> = S extends Stream<infer X> ? X : never;

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
export function merge<const S extends readonly Stream<unknown>[]>(stepId: string, ...ups: S): Stream<ItemOf<S[number]>> {
  return defineCore("merge", stepId, { ups }, { kind: "merge" }, ["down"]).down;
}

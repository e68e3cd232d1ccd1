import type { KeyedStream, Stream } from "../stream.js";
import { defineOperator, builtin } from "../internal/operator.js";
import { corePerItem } from "../internal/core.js";

/**
 * Key every item: emit `[key(x), x]`. Keys must be strings: anything else is
 * a `StepError` (cause `TypeError`). Stateful operators need keyed streams.
 *
 * @param stepId - The step's name.
 * @param up - Stream to key.
 * @param key - Returns the item's key.
 * @returns A keyed stream.
 * @category Stateless
 * @example
 * ```ts
 * flow
 *   .input("in", new TestingSource([{ user: "a", n: 1 }]))
 *   .keyOn("by_user", (e) => e.user)
 *   .output("out", new TestingSink(out));
 * // out = [["a", { user: "a", n: 1 }]]
 * ```
 */
export function keyOn<X>(stepId: string, up: Stream<X>, key: (x: X) => string): KeyedStream<X> {
  return defineOperator("keyOn", stepId, { up }, ({ up }) => ({ down: corePerItem("flat_map_batch", up, "keyOn", key, "key") }), builtin).down;
}

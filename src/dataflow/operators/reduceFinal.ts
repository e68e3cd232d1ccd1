import type { KeyedStream } from "../stream.js";
import { describeType } from "../../errors.js";
import { defineOperator, builtin } from "../internal/operator.js";
import { coreFlatMapBatch } from "../internal/core.js";
import { foldFinalWith } from "./foldFinal.js";

/**
 * Combine each key's values pairwise with `reducer`, emitting the result once
 * at EOF. Values of a key within one batch are reduced before they reach the
 * keyed state, so only one value per key and batch is stored.
 *
 * @param stepId - The step's name.
 * @param up - Keyed stream.
 * @param reducer - Combines two values into one (associative).
 * @returns Keyed stream with one item per key at EOF.
 * @category Stateful
 * @example
 * ```ts
 * keyed.reduceFinal("sum", (a: number, b: number) => a + b);
 * // ["a", 1], ["a", 2], ["b", 5] then EOF emit ["a", 3], ["b", 5]
 * ```
 */
export function reduceFinal<V>(stepId: string, up: KeyedStream<V>, reducer: (a: V, b: V) => V): KeyedStream<V> {
  return defineOperator("reduceFinal", stepId, { up }, ({ up }) => {
    const preReduce = (kvs: (readonly [string, V])[]): [string, V][] => {
      const acc = new Map<string, V>();
      for (let i = 0; i < kvs.length; i++) {
        const kv = kvs[i];
        if (!Array.isArray(kv) || typeof kv[0] !== "string") {
          throw new TypeError(`stateful steps need [key, value] items with a string key; got ${describeType(kv)}`);
        }
        const k = kv[0];
        const prev = acc.get(k);
        acc.set(k, prev === undefined && !acc.has(k) ? kv[1] : reducer(prev as V, kv[1]));
      }
      return [...acc];
    };
    const pre = coreFlatMapBatch("pre_reduce", up, preReduce, "reducer");
    const fold = (s: V | undefined, v: V): V => (s === undefined ? v : reducer(s, v));
    return { down: foldFinalWith("foldFinal", "fold_final", pre, () => undefined as V | undefined, fold, "reducer") };
  }, builtin).down as KeyedStream<V>;
}

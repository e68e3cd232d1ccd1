import { describeType } from "../../errors.js";
import type { KeyedStream } from "../stream.js";
import { defineOperator, builtin } from "../internal/operator.js";
import { overKeyedItems } from "../internal/core.js";
import { flatMap } from "./flatMap.js";

/**
 * Replace the value of every `[key, value]` item by zero or more values,
 * each emitted with the same key.
 *
 * @param stepId - The step's name.
 * @param up - Keyed stream.
 * @param mapper - Returns an iterable of new values.
 * @returns Keyed stream of new values.
 * @category Stateless
 * @example
 * ```ts
 * keyed.flatMapValue("split", (s) => s.split(" "));
 * // ["a", "x y"] becomes ["a", "x"], ["a", "y"]
 * ```
 */
export function flatMapValue<V, W>(stepId: string, up: KeyedStream<V>, mapper: (v: V) => Iterable<W>): KeyedStream<W> {
  return defineOperator("flatMapValue", stepId, { up }, ({ up }) => ({
    down: flatMap("flat_map", up, overKeyedItems((kv: readonly [string, V]): (readonly [string, W])[] => {
      const ws = mapper(kv[1]);
      if (ws == null || typeof (ws as Iterable<W>)[Symbol.iterator] !== "function") {
        throw new TypeError(`\`flatMapValue\` mapper must return an iterable; got ${describeType(ws)}`);
      }
      // An array, not a generator: cheaper per item, and the items are consumed at once anyway.
      const out: (readonly [string, W])[] = [];
      for (const w of ws) out.push([kv[0], w]);
      return out;
    })),
  }), builtin).down;
}

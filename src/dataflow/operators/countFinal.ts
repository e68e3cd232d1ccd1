import type { KeyedStream, Stream } from "../stream.js";
import { describeType } from "../../errors.js";
import { defineOperator, builtin } from "../internal/operator.js";
import { coreFlatMapBatch } from "../internal/core.js";
import { foldFinalWith } from "./foldFinal.js";

const zero = (): number => 0;
const add = (a: number, b: number): number => a + b;

/**
 * Count items by key, emitting `[key, count]` once at EOF. Each batch is
 * counted before it reaches the keyed state. A count is dropped once
 * emitted: with recovery, a run continued after EOF counts only its new
 * input (keep a running total with `statefulMap` instead).
 *
 * @param stepId - The step's name.
 * @param up - Stream of items (not keyed).
 * @param key - Returns the string to count an item under.
 * @returns Keyed stream of counts at EOF.
 * @category Stateful
 * @example
 * ```ts
 * words.countFinal("count", (w) => w);
 * // "a", "b", "a" then EOF emit ["a", 2], ["b", 1]
 * ```
 */
export function countFinal<X>(stepId: string, up: Stream<X>, key: (x: X) => string): KeyedStream<number> {
  return defineOperator("countFinal", stepId, { up }, ({ up }) => {
    const countBatch = (xs: X[]): [string, number][] => {
      const counts = new Map<string, number>();
      for (let i = 0; i < xs.length; i++) {
        const k = key(xs[i]);
        if (typeof k !== "string") throw new TypeError(`\`countFinal\` key function must return a string; got ${describeType(k)}`);
        counts.set(k, (counts.get(k) ?? 0) + 1);
      }
      return [...counts];
    };
    const partial = coreFlatMapBatch("count_batch", up, countBatch, "key");
    // The sums run no user code, so the keyed step need not sort a batch's keys (results still come sorted at EOF).
    return { down: foldFinalWith("foldFinal", "sum", partial, zero, add, "folder", true) };
  }, builtin).down;
}

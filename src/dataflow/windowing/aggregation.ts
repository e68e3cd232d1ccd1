/**
 * {@link Aggregation}: Wallaroo's aggregations, the unit `aggregateWindow`
 * and `countAggregate` compute with.
 *
 * @module
 */
import { BuildError, describeType } from "../../errors.js";

/**
 * How to aggregate the values of a window (as in Wallaroo): start from
 * `initial()`, fold each value in with `update`, join two partial results
 * with `combine`, and turn the result into what the window emits with
 * `output`.
 *
 * The laws the operators rely on (and a property test can check):
 *
 * - `combine` is **associative**: `combine(a, combine(b, c))` equals
 *   `combine(combine(a, b), c)`. Sliding windows are computed from panes
 *   (slices of `gcd(length, offset)`) combined in time order, and merging
 *   sessions are combined, so a window's result does not depend on how its
 *   values were grouped.
 * - `initial()` is an **identity** of `combine`: `combine(initial(), a)`
 *   and `combine(a, initial())` equal `a`.
 * - `combine` and `output` **never mutate** their arguments (a pane's
 *   accumulator is combined into several windows). `update` may mutate and
 *   return `acc`, which is its own.
 * - `update` agrees with `combine`: `update(v, acc)` equals
 *   `combine(acc, update(v, initial()))`.
 *
 * Accumulators are snapshotted with the key, so they must be plain data
 * (numbers, strings, objects, arrays, `Map`, `Set`, `Date` …).
 *
 * @typeParam V - Input value type.
 * @typeParam A - Accumulator type.
 * @typeParam W - Output type.
 * @category Windowing
 * @example
 * ```ts
 * const mean: win.Aggregation<number, { n: number; sum: number }, number> = {
 *   initial: () => ({ n: 0, sum: 0 }),
 *   update: (v, acc) => ({ n: acc.n + 1, sum: acc.sum + v }),
 *   combine: (a, b) => ({ n: a.n + b.n, sum: a.sum + b.sum }),
 *   output: (_key, acc) => (acc.n === 0 ? undefined : acc.sum / acc.n),
 * };
 * ```
 */
export interface Aggregation<V, A, W> {
  /** A new, empty accumulator: an identity of `combine`. */
  initial(): A;
  /**
   * Add `value` to `acc`.
   *
   * @param value - The value.
   * @param acc - The accumulator (may be mutated and returned).
   * @returns The new accumulator.
   */
  update(value: V, acc: A): A;
  /**
   * Join two accumulators, the earlier one first. Associative; must not
   * mutate `a` or `b`.
   *
   * @param a - The earlier accumulator.
   * @param b - The later accumulator.
   * @returns A new accumulator.
   */
  combine(a: A, b: A): A;
  /**
   * What the window emits for its accumulator; `undefined` emits nothing.
   * Must not mutate `acc`.
   *
   * @param key - The key of the window.
   * @param acc - The window's accumulator.
   * @returns The output, or `undefined` for none.
   */
  output(key: string, acc: A): W | undefined;
}

/** @internal Check that `aggregation` has the four methods; errors name the step. */
export function checkAggregation(opType: string, stepId: string, aggregation: unknown): void {
  const where = `\`${opType}\` step '${stepId}'`;
  if (aggregation === null || typeof aggregation !== "object") {
    throw new BuildError(`${where}: aggregation must be an object with initial, update, combine and output; got ${describeType(aggregation)}`);
  }
  for (const name of ["initial", "update", "combine", "output"] as const) {
    const f = (aggregation as Record<string, unknown>)[name];
    if (typeof f !== "function") throw new BuildError(`${where}: aggregation.${name} must be a function; got ${describeType(f)}`);
  }
}

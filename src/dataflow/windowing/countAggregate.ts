/**
 * {@link countAggregate}: Wallaroo's count windows, a window every `count` values.
 *
 * @module
 */
import { BuildError, describeType } from "../../errors.js";
import type { RunContext } from "../../clock.js";
import type { KeyedStream } from "../stream.js";
import { defineOperator, builtin } from "../internal/operator.js";
import { coreStatefulBatch, corePerItem, overKeyedItems } from "../internal/core.js";
import { checkAggregation, type Aggregation } from "./aggregation.js";
import { CountAggregateLogic, TimedCountAggregateLogic, type CountWindowState } from "./internal/countAggregateLogic.js";

/**
 * Options of {@link countAggregate}.
 *
 * @category Windowing
 */
export interface CountAggregateOptions {
  /** Also emit a window this long (ms, the run's system time) after its first value. Default: never. */
  timeout?: number;
}

/**
 * Count windows (as in Wallaroo): per key, aggregate values with
 * `aggregation` (see {@link Aggregation}) and emit `[key,
 * aggregation.output(key, acc)]` every `count` values (nothing when `output`
 * returns `undefined`). With `timeout`, a window is also emitted once that
 * many ms of system time (the run's clock) passed since its first value,
 * even if no more input arrives; at EOF every open window is emitted, short
 * as it is. The key's next value opens a new window.
 *
 * A key holds state only while its window is open: its accumulator (plain
 * data, see {@link Aggregation}), how many values it holds and when the
 * first came. It is snapshotted like any keyed state, so a resumed flow
 * continues each count where the last committed epoch left it.
 *
 * @param stepId - The step's name.
 * @param up - Keyed stream.
 * @param count - Values per window: a positive integer.
 * @param aggregation - `initial`, `update`, `combine`, `output`.
 * @param options - `timeout` (ms, positive; default none).
 * @returns Keyed stream of outputs.
 * @throws {@link BuildError} for a bad count, timeout or aggregation.
 * @category Windowing
 * @example
 * ```ts
 * const sum: win.Aggregation<number, number, number> = {
 *   initial: () => 0,
 *   update: (v, acc) => acc + v,
 *   combine: (a, b) => a + b,
 *   output: (_key, acc) => acc,
 * };
 * win.countAggregate("sum3", keyed, 3, sum, { timeout: seconds(30) });
 * // ["a", 1], ["a", 2], ["b", 5], ["a", 3], ["a", 4] then EOF emit ["a", 6], ["a", 4], ["b", 5]
 * ```
 */
export function countAggregate<V, A, W>(
  stepId: string,
  up: KeyedStream<V>,
  count: number,
  aggregation: Aggregation<V, A, W>,
  options: CountAggregateOptions = {},
): KeyedStream<W> {
  return defineOperator("countAggregate", stepId, { up }, ({ up }, step) => {
    const where = `\`countAggregate\` step '${step.stepId}'`;
    const shown = (x: unknown) => (typeof x === "number" ? String(x) : describeType(x));
    if (!Number.isInteger(count) || count < 1) throw new BuildError(`${where}: count must be a positive integer; got ${shown(count)}`);
    checkAggregation("countAggregate", step.stepId, aggregation);
    const timeout = options.timeout;
    if (timeout !== undefined && !(typeof timeout === "number" && Number.isFinite(timeout) && timeout > 0)) {
      throw new BuildError(`${where}: timeout must be a positive finite number of ms; got ${shown(timeout)}`);
    }
    const build = (resume: CountWindowState<A> | undefined, { clock }: RunContext) =>
      timeout === undefined
        ? new CountAggregateLogic(aggregation, count, clock, resume)
        : new TimedCountAggregateLogic(aggregation, count, timeout, clock, resume);
    const windows = coreStatefulBatch("stateful_batch", up, build, "aggregation");
    const output = overKeyedItems((kv: readonly [string, A]): readonly [string, W] | undefined => {
      const w = aggregation.output(kv[0], kv[1]);
      return w === undefined ? undefined : [kv[0], w];
    });
    return { down: corePerItem<readonly [string, A], readonly [string, W]>("output", windows, "filterMap", output, "output") };
  }, builtin).down;
}

/**
 * {@link aggregateWindow}: a Wallaroo {@link Aggregation} over windows.
 *
 * @module
 */
import type { KeyedStream } from "../stream.js";
import { defineOperator, builtin } from "../internal/operator.js";
import type { Clock } from "./clock.js";
import type { Windower } from "./windower.js";
import type { LatePolicy } from "./latePolicy.js";
import type { WindowOut } from "./window.js";
import { checkAggregation, type Aggregation } from "./aggregation.js";
import { accWindowSteps, checkWindowArgs } from "./internal/steps.js";

/**
 * Options of {@link aggregateWindow}.
 *
 * @category Windowing
 */
export interface AggregateWindowOptions {
  /** What to do with late values (default `"stream"`: to `late`); see {@link LatePolicy}. */
  latePolicy?: LatePolicy;
}

/**
 * Aggregate each window's values with `aggregation` (see
 * {@link Aggregation}), emitted on `down` as `[key, [windowId,
 * aggregation.output(key, acc)]]` when the window closes (nothing when
 * `output` returns `undefined`).
 *
 * Sliding windows are computed from panes (slices of `gcd(length, offset)`):
 * each value is folded once, into its pane, and a window's panes are
 * combined in time order when it closes; merging sessions are combined.
 * Values are folded as they arrive. Late values follow `latePolicy` (see
 * {@link LatePolicy}).
 *
 * @param stepId - The step's name.
 * @param up - Keyed stream.
 * @param clock - How values are stamped and the watermark moves.
 * @param windower - Which windows a timestamp falls in.
 * @param aggregation - `initial`, `update`, `combine`, `output`.
 * @param options - `latePolicy` (default `"stream"`).
 * @returns `{ down, late, meta }`.
 * @throws {@link BuildError} for a bad clock, windower, aggregation or option.
 * @category Windowing
 * @example
 * ```ts
 * const sum: win.Aggregation<{ at: Date; n: number }, number, number> = {
 *   initial: () => 0,
 *   update: (v, acc) => acc + v.n,
 *   combine: (a, b) => a + b,
 *   output: (_key, acc) => acc,
 * };
 * win.aggregateWindow("sum", keyed, new win.EventClock((v: { at: Date; n: number }) => v.at, seconds(5)),
 *   new win.SlidingWindower(minutes(10), minutes(1), new Date(0)), sum, { latePolicy: "drop" });
 * // each value is folded once (into its 1-minute pane); down: ["a", [windowId, sum]] per window
 * ```
 */
export function aggregateWindow<V, A, W>(
  stepId: string,
  up: KeyedStream<V>,
  clock: Clock<V>,
  windower: Windower,
  aggregation: Aggregation<V, A, W>,
  options: AggregateWindowOptions = {},
): WindowOut<V, W> {
  const latePolicy = options.latePolicy ?? "stream";
  return defineOperator("aggregateWindow", stepId, { up }, ({ up }, step) => {
    checkWindowArgs("aggregateWindow", step.stepId, clock, windower, false, latePolicy);
    checkAggregation("aggregateWindow", step.stepId, aggregation);
    return accWindowSteps<V, A, W>(up, {
      clock,
      shape: windower.shape(),
      ordered: false,
      latePolicy,
      panes: true,
      initial: () => aggregation.initial(),
      update: (value, acc) => aggregation.update(value, acc),
      combine: (a, b) => aggregation.combine(a, b),
      output: (key, acc) => aggregation.output(key, acc),
    });
  }, builtin) as WindowOut<V, W>;
}

/**
 * {@link aggregateWindow}: a Wallaroo {@link Aggregation} over windows.
 *
 * @module
 */
import type { KeyedStream } from "../stream.js";
import { defineOperator, builtin } from "../internal/operator.js";
import type { Clock } from "./clock.js";
import type { Windower } from "./windower.js";
import { foldWindow } from "./foldWindow.js";
import type { WindowOut } from "./window.js";
import { checkAggregation, type Aggregation } from "./aggregation.js";
import { checkWindowArgs } from "./internal/steps.js";

/**
 * What a window operator does with a late value (one stamped before its
 * key's watermark), as Wallaroo's late-data policies:
 *
 * - `"stream"`: send it to `late`, once per window it would have been in.
 * - `"drop"`: drop it.
 * - `"firePerMessage"`: emit it at once on `down` as a window of its own
 *   (with the id of each window it would have been in).
 * - `"placeInOldestWindow"`: add it to the oldest window of its key still
 *   open; with none open, as `"firePerMessage"`.
 *
 * @category Windowing
 */
export type LatePolicy = "stream" | "drop" | "firePerMessage" | "placeInOldestWindow";

/**
 * Options of {@link aggregateWindow}.
 *
 * @category Windowing
 */
export interface AggregateWindowOptions {
  /** What to do with late values (default `"stream"`). */
  latePolicy?: LatePolicy;
}

/**
 * Aggregate each window's values with `aggregation` (see
 * {@link Aggregation}), emitted on `down` as `[key, [windowId,
 * aggregation.output(key, acc)]]` when the window closes (nothing when
 * `output` returns `undefined`).
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
 */
export function aggregateWindow<V, A, W>(
  stepId: string,
  up: KeyedStream<V>,
  clock: Clock<V>,
  windower: Windower,
  aggregation: Aggregation<V, A, W>,
  options: AggregateWindowOptions = {},
): WindowOut<V, W> {
  return defineOperator("aggregateWindow", stepId, { up }, ({ up }, step) => {
    checkWindowArgs("aggregateWindow", step.stepId, clock, windower, false);
    checkAggregation("aggregateWindow", step.stepId, aggregation);
    void options;
    const folded = foldWindow("fold_window", up, clock, windower, () => aggregation.initial(), (acc: A, v: V) => aggregation.update(v, acc), (a, b) => aggregation.combine(a, b), { ordered: false });
    const down = folded.down.flatMap("output", ([key, [id, acc]]) => {
      const w = aggregation.output(key, acc);
      return w === undefined ? [] : [[key, [id, w] as const] as const];
    });
    return { down, late: folded.late, meta: folded.meta };
  }, builtin) as WindowOut<V, W>;
}

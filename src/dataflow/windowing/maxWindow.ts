/**
 * {@link maxWindow}: the largest value of each window.
 *
 * @module
 */
import type { KeyedStream } from "../stream.js";
import { defineOperator, builtin } from "../internal/operator.js";
import type { Clock } from "./clock.js";
import type { Windower } from "./windower.js";
import { reduceWindow } from "./reduceWindow.js";
import type { WindowOptions, WindowOut } from "./window.js";
import { checkFunction, checkWindowArgs } from "./internal/steps.js";

/**
 * The largest value of each window, emitted on `down` as `[key, [windowId,
 * value]]` when it closes. Compares `by(value)` with `>`; ties keep the
 * earlier value (in timestamp order when `ordered`, the default).
 *
 * @param stepId - The step's name.
 * @param up - Keyed stream.
 * @param clock - How values are stamped and the watermark moves.
 * @param windower - Which windows a timestamp falls in.
 * @param by - What to compare (default: the value itself).
 * @param options - `ordered` (default `true`).
 * @returns `{ down, late, meta }`.
 * @throws {@link BuildError} for a bad clock, windower, `by` or option.
 * @category Windowing
 * @example
 * ```ts
 * win.maxWindow("hottest", readings, clock, new win.TumblingWindower(hours(1), new Date(0)), (r) => r.temp);
 * // down: ["s1", [473352, { temp: 31.5, ... }]] once per sensor and hour
 * ```
 */
export function maxWindow<V>(
  stepId: string,
  up: KeyedStream<V>,
  clock: Clock<V>,
  windower: Windower,
  by: (value: V) => unknown = (v) => v,
  options: WindowOptions = {},
): WindowOut<V, V> {
  return defineOperator("maxWindow", stepId, { up }, ({ up }, step) => {
    checkWindowArgs("maxWindow", step.stepId, clock, windower, options.ordered ?? true);
    checkFunction("maxWindow", step.stepId, "by", by);
    return { ...reduceWindow("reduce_window", up, clock, windower, (a: V, b: V) => ((by(b) as number) > (by(a) as number) ? b : a), options) };
  }, builtin);
}

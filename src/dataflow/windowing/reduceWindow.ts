/**
 * {@link reduceWindow}: combine each window's values pairwise.
 *
 * @module
 */
import type { KeyedStream } from "../stream.js";
import { defineOperator, builtin } from "../internal/operator.js";
import type { Clock } from "./clock.js";
import type { Windower } from "./windower.js";
import { foldWindow } from "./foldWindow.js";
import type { WindowOptions, WindowOut } from "./window.js";
import { checkFunction, checkWindowArgs } from "./internal/steps.js";

/**
 * Combine each window's values with `reducer`, emitted on `down` as
 * `[key, [windowId, reduced]]` when the window closes. Merged sessions are
 * combined with the same `reducer`.
 *
 * @param stepId - The step's name.
 * @param up - Keyed stream.
 * @param clock - How values are stamped and the watermark moves.
 * @param windower - Which windows a timestamp falls in.
 * @param reducer - Combines two values into one (earlier first).
 * @param options - `ordered` (default `true`).
 * @returns `{ down, late, meta }`.
 * @throws {@link BuildError} for a bad clock, windower, reducer or option.
 * @category Windowing
 * @example
 * ```ts
 * win.reduceWindow("sum", keyed, clock, new win.TumblingWindower(seconds(10), new Date(0)), (a: number, b: number) => a + b);
 * // ["a", 1] at 1 s, ["a", 2] at 3 s then EOF: down = ["a", [0, 3]]
 * ```
 */
export function reduceWindow<V>(
  stepId: string,
  up: KeyedStream<V>,
  clock: Clock<V>,
  windower: Windower,
  reducer: (a: V, b: V) => V,
  options: WindowOptions = {},
): WindowOut<V, V> {
  return defineOperator("reduceWindow", stepId, { up }, ({ up }, step) => {
    checkWindowArgs("reduceWindow", step.stepId, clock, windower, options.ordered ?? true);
    checkFunction("reduceWindow", step.stepId, "reducer", reducer);
    // Every window gets at least one value, so `undefined` means "none yet" only until then.
    const fold = (acc: V | undefined, v: V): V => (acc === undefined ? v : reducer(acc, v));
    const merge = (a: V | undefined, b: V | undefined): V | undefined => (a === undefined ? b : b === undefined ? a : reducer(a, b));
    return { ...foldWindow("fold_window", up, clock, windower, () => undefined as V | undefined, fold, merge, options) };
  }, builtin) as WindowOut<V, V>;
}

/**
 * {@link countWindow}: count items per key and window.
 *
 * @module
 */
import type { Stream } from "../stream.js";
import { defineOperator, builtin } from "../internal/operator.js";
import { keyOn } from "../operators/keyOn.js";
import type { Clock } from "./clock.js";
import type { Windower } from "./windower.js";
import { foldWindow } from "./foldWindow.js";
import type { WindowOut } from "./window.js";
import { checkFunction, checkWindowArgs } from "./internal/steps.js";

/**
 * Count the items of each window by key, emitted on `down` as `[key,
 * [windowId, count]]` when the window closes. Items are keyed with `key`
 * (which must return a string) and stamped by `clock` (which sees the
 * items). Order does not change a count, so items are counted as they
 * arrive.
 *
 * @param stepId - The step's name.
 * @param up - Stream of items (not keyed).
 * @param clock - How items are stamped and the watermark moves.
 * @param windower - Which windows a timestamp falls in.
 * @param key - Returns the string to count an item under.
 * @returns `{ down, late, meta }` (`late` carries the items).
 * @throws {@link BuildError} for a bad clock, windower or key function.
 * @category Windowing
 * @example
 * ```ts
 * win.countWindow("clicks", clicks, new win.EventClock((c: Click) => c.at, seconds(5)),
 *   new win.TumblingWindower(minutes(1), new Date(0)), (c) => c.page);
 * // down: ["/home", [28401120, 42]] ... one count per page and minute
 * ```
 */
export function countWindow<X>(
  stepId: string,
  up: Stream<X>,
  clock: Clock<X>,
  windower: Windower,
  key: (item: X) => string,
): WindowOut<X, number> {
  return defineOperator("countWindow", stepId, { up }, ({ up }, step) => {
    checkWindowArgs("countWindow", step.stepId, clock, windower, false);
    checkFunction("countWindow", step.stepId, "key", key);
    const keyed = keyOn("keyed", up, key);
    const count = (n: number): number => n + 1;
    return { ...foldWindow("fold_window", keyed, clock, windower, () => 0, count, (a, b) => a + b, { ordered: false }) };
  }, builtin);
}

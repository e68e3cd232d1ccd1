/**
 * {@link foldWindow}: fold each window's values into an accumulator.
 *
 * @module
 */
import type { KeyedStream } from "../stream.js";
import { defineOperator, builtin } from "../internal/operator.js";
import type { Clock } from "./clock.js";
import type { Windower } from "./windower.js";
import type { WindowOptions, WindowOut } from "./window.js";
import { accWindowSteps, checkFunction, checkWindowArgs } from "./internal/steps.js";

/**
 * Fold each window's values into an accumulator, emitted on `down` as
 * `[key, [windowId, accumulator]]` when the window closes. A window starts
 * from `builder()`; `folder(acc, value)` adds a value; when two sessions
 * merge, `merger(acc, originalAcc)` combines them (the original is the later
 * session). The accumulator is snapshotted with the key, so it must be plain
 * data (objects, arrays, `Map`, `Set`, `Date` …).
 *
 * @param stepId - The step's name.
 * @param up - Keyed stream.
 * @param clock - How values are stamped and the watermark moves.
 * @param windower - Which windows a timestamp falls in.
 * @param builder - Makes a window's empty accumulator.
 * @param folder - Adds a value to an accumulator, returning the new one.
 * @param merger - Combines two accumulators of merging sessions.
 * @param options - `ordered` (default `true`: values folded in timestamp order).
 * @returns `{ down, late, meta }`.
 * @throws {@link BuildError} for a bad clock, windower, function or option.
 * @category Windowing
 * @example
 * ```ts
 * win.foldWindow("sum", keyed, clock, new win.TumblingWindower(seconds(10), new Date(0)),
 *   () => 0, (acc, v: number) => acc + v, (a, b) => a + b);
 * // ["a", 1] at 1 s, ["a", 2] at 3 s, ["a", 5] at 11 s then EOF: down = ["a", [0, 3]], ["a", [1, 5]]
 * ```
 */
export function foldWindow<V, S>(
  stepId: string,
  up: KeyedStream<V>,
  clock: Clock<V>,
  windower: Windower,
  builder: () => S,
  folder: (acc: S, value: V) => S,
  merger: (acc: S, original: S) => S,
  options: WindowOptions = {},
): WindowOut<V, S> {
  const ordered = options.ordered ?? true;
  const latePolicy = options.latePolicy ?? "stream";
  return defineOperator("foldWindow", stepId, { up }, ({ up }, step) => {
    checkWindowArgs("foldWindow", step.stepId, clock, windower, ordered, latePolicy);
    checkFunction("foldWindow", step.stepId, "builder", builder);
    checkFunction("foldWindow", step.stepId, "folder", folder);
    checkFunction("foldWindow", step.stepId, "merger", merger);
    return accWindowSteps<V, S, S>(up, {
      clock,
      shape: windower.shape(),
      ordered,
      latePolicy,
      // The merger joins sessions only: a sliding window folds each of its values itself.
      panes: false,
      initial: builder,
      update: (value, acc) => folder(acc, value),
      combine: merger,
      output: undefined,
    });
  }, builtin);
}

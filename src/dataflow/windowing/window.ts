/**
 * {@link window}: the general window operator.
 *
 * @module
 */
import type { KeyedStream } from "../stream.js";
import { defineOperator, builtin } from "../internal/operator.js";
import type { Clock } from "./clock.js";
import type { Windower } from "./windower.js";
import { WindowLogic, type WindowLogicBuilder } from "./windowLogic.js";
import { builderFunction } from "../internal/builder.js";
import type { WindowMetadata } from "./windowMetadata.js";
import type { LatePolicy } from "./latePolicy.js";
import { checkFunction, checkWindowArgs, windowSteps } from "./internal/steps.js";

/**
 * The outputs of every window operator, each keyed and sub-keyed by window id.
 *
 * @typeParam V - Input value type (what `late` carries).
 * @typeParam W - Result type.
 * @category Windowing
 */
export interface WindowOut<V, W> {
  /** Results: `[key, [windowId, value]]`. */
  readonly down: KeyedStream<readonly [number, W]>;
  /** Late values, once per window they would have been in: `[key, [windowId, value]]`. */
  readonly late: KeyedStream<readonly [number, V]>;
  /** One item per closed window, after its results: `[key, [windowId, metadata]]`. */
  readonly meta: KeyedStream<readonly [number, WindowMetadata]>;
}

/**
 * Options of the window operators.
 *
 * @category Windowing
 */
export interface WindowOptions {
  /**
   * Apply values to windows in timestamp order, each once the watermark
   * passes it (default `true`). With `false`, values are applied as they
   * arrive: sooner, in arrival order.
   */
  ordered?: boolean;
  /** What to do with late values (default `"stream"`: to `late`); see {@link LatePolicy}. */
  latePolicy?: LatePolicy;
}

/**
 * The general window operator, which the others are made of. Per key, the
 * `clock` stamps each value and keeps the key's watermark; the `windower`
 * says which windows (integer ids) the value belongs to; each window has
 * its own {@link WindowLogic}, built by `builder(resumeState)`, or by
 * `new builder(resumeState)` when the builder is the logic class itself
 * (see {@link WindowLogicBuilder}).
 *
 * - A value stamped before its key's watermark is **late**: it goes to
 *   `late` once for each window it would have been in (never dropped).
 * - Otherwise it is applied to its windows: at once (`ordered: false`), or
 *   in timestamp order once the watermark passes it (`ordered: true`).
 * - A window **closes** when the watermark passes its end: on a value, on a
 *   timer while no input arrives, or at EOF (which closes every window).
 *   Its `onClose` results go to `down`, then its metadata to `meta`.
 *
 * The key's clock, windower, open windows and queued values are its state:
 * snapshotted at epoch close, so a resumed flow closes the windows it had
 * open. The key's state is kept after its windows close (it holds the
 * watermark and session numbering) unless nothing is left to remember
 * (a `SystemClock` with tumbling or sliding windows).
 *
 * @param stepId - The step's name.
 * @param up - Keyed stream.
 * @param clock - How values are stamped and the watermark moves.
 * @param windower - Which windows a timestamp falls in.
 * @param builder - Makes a window's logic from its resume state: a function, or a logic class.
 * @param options - `ordered` (default `true`).
 * @returns `{ down, late, meta }`.
 * @throws {@link BuildError} for a bad clock, windower, builder or option.
 * @category Windowing
 * @example
 * ```ts
 * const clock = new win.EventClock((v: { at: Date; n: number }) => v.at, 0);
 * const { down } = win.window("sum", keyed, clock, new win.TumblingWindower(seconds(10), new Date(0)),
 *   (resume: number | undefined) => new SumLogic(resume ?? 0));
 * // ["a", { at: 0 s, n: 1 }], ["a", { at: 4 s, n: 2 }], ["a", { at: 12 s, n: 5 }] then EOF:
 * // down = ["a", [0, 3]], ["a", [1, 5]]
 * ```
 */
export function window<V, W, S>(
  stepId: string,
  up: KeyedStream<V>,
  clock: Clock<V>,
  windower: Windower,
  builder: WindowLogicBuilder<V, W, S>,
  options: WindowOptions = {},
): WindowOut<V, W> {
  const ordered = options.ordered ?? true;
  const latePolicy = options.latePolicy ?? "stream";
  return defineOperator("window", stepId, { up }, ({ up }, step) => {
    checkWindowArgs("window", step.stepId, clock, windower, ordered, latePolicy);
    checkFunction("window", step.stepId, "builder", builder);
    return windowSteps(up, { clock, windower, builder: builderFunction(builder, WindowLogic), ordered, latePolicy });
  }, builtin);
}

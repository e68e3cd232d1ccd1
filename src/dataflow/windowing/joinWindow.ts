/**
 * {@link joinWindow}: join keyed streams within each window.
 *
 * @module
 */
import { BuildError } from "../../errors.js";
import type { KeyedStream } from "../stream.js";
import { defineOperator, builtin } from "../internal/operator.js";
import { map } from "../operators/map.js";
import { merge, type ItemOf } from "../operators/merge.js";
import type { JoinEmitMode, JoinInsertMode, JoinRow } from "../operators/join.js";
import type { Clock } from "./clock.js";
import type { Windower } from "./windower.js";
import { window, type WindowOptions, type WindowOut } from "./window.js";
import { JoinWindowLogic, SideClock, type SideValue } from "./internal/joinLogic.js";
import { checkWindowArgs } from "./internal/steps.js";

/**
 * Options of {@link joinWindow}.
 *
 * @typeParam E - The emit mode.
 * @category Windowing
 */
export interface JoinWindowOptions<E extends JoinEmitMode = JoinEmitMode> extends WindowOptions {
  /** How each side's values are kept per window: `"first"`, `"last"` (default) or `"product"` (all). */
  insertMode?: JoinInsertMode;
  /** When rows are emitted: `"final"` (default, when the window closes), `"complete"` or `"running"`. */
  emitMode?: E;
}

/**
 * Join keyed streams by key within each window, like `op.join` but per
 * window. The `clock` stamps each side's values (its `tsGetter` sees the
 * plain values of every side); each window keeps its own join state by
 * `insertMode`, and emits rows (one entry per side, `undefined` for a side
 * with no value; `product` rows in cartesian product order) on `down` as
 * `[key, [windowId, row]]`:
 *
 * - `final` (default): once, when the window closes;
 * - `complete`: whenever every side has a value, then the window's join
 *   state is cleared (incomplete state is dropped at close);
 * - `running`: on every value (and after a session merge), state kept.
 *
 * Late values go to `late` as `[key, [windowId, [sideIndex, value]]]`.
 *
 * @param stepId - The step's name.
 * @param clock - How values are stamped and the watermark moves.
 * @param windower - Which windows a timestamp falls in.
 * @param sides - One or more keyed streams.
 * @param options - `insertMode`, `emitMode` and `ordered` (default `true`).
 * @returns `{ down, late, meta }`.
 * @throws {@link BuildError} for no sides, an unknown mode, or a bad clock or windower.
 * @category Windowing
 * @example
 * ```ts
 * const clock = new win.EventClock((v: { at: Date }) => v.at, 0);
 * win.joinWindow("pairs", clock, new win.TumblingWindower(seconds(10), new Date(0)), [names, emails]);
 * // names ["u1", { at: 1 s, name: "Ada" }], emails ["u1", { at: 2 s, email: "ada@x" }] then EOF:
 * // down = ["u1", [0, [{ at: 1 s, name: "Ada" }, { at: 2 s, email: "ada@x" }]]]
 * ```
 */
export function joinWindow<const Sides extends readonly KeyedStream<any>[], E extends JoinEmitMode = "final">(
  stepId: string,
  clock: Clock<ItemOf<Sides[number]>[1]>,
  windower: Windower,
  sides: Sides,
  options: JoinWindowOptions<E> = {},
): WindowOut<readonly [number, ItemOf<Sides[number]>[1]], JoinRow<Sides, E>> {
  const { insertMode = "last", emitMode = "final", ordered = true } = options;
  return defineOperator("joinWindow", stepId, { sides: sides as readonly KeyedStream<unknown>[] }, ({ sides }, step) => {
    const where = `\`joinWindow\` step '${step.stepId}'`;
    if (!["first", "last", "product"].includes(insertMode)) {
      throw new BuildError(`${where}: insertMode must be "first", "last" or "product"; got ${String(insertMode)}`);
    }
    if (!["complete", "running", "final"].includes(emitMode)) {
      throw new BuildError(`${where}: emitMode must be "complete", "running" or "final"; got ${String(emitMode)}`);
    }
    checkWindowArgs("joinWindow", step.stepId, clock, windower, ordered);
    const tagged = sides.map((side, i) => map(`side_${i}`, side, (kv): readonly [string, SideValue] => [kv[0], [i, kv[1]]]));
    const n = sides.length;
    const builder = (resume: unknown[][] | undefined) =>
      new JoinWindowLogic(insertMode, emitMode, resume ?? Array.from({ length: n }, () => []));
    const sideClock = new SideClock(clock as Clock<unknown>);
    return { ...window("window", merge("merge", ...tagged), sideClock, windower, builder, { ordered }) };
  }, builtin) as unknown as WindowOut<readonly [number, ItemOf<Sides[number]>[1]], JoinRow<Sides, E>>;
}

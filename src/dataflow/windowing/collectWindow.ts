/**
 * {@link collectWindow}: gather each window's values into an array, set or map.
 *
 * @module
 */
import { BuildError, describeType } from "../../errors.js";
import type { KeyedStream } from "../stream.js";
import { defineOperator, builtin } from "../internal/operator.js";
import type { Clock } from "./clock.js";
import type { Windower } from "./windower.js";
import { foldWindow } from "./foldWindow.js";
import type { WindowOptions, WindowOut } from "./window.js";
import { checkWindowArgs } from "./internal/steps.js";

/**
 * Options of {@link collectWindow}.
 *
 * @typeParam C - What to collect into.
 * @category Windowing
 */
export interface CollectWindowOptions<C extends "array" | "set" | "map"> extends WindowOptions {
  /** `"array"` (default), `"set"`, or `"map"` (values must be `[key, value]` pairs; later pairs win). */
  into?: C;
}

type Folds = readonly [() => unknown, (acc: any, v: any) => unknown, (acc: any, original: any) => unknown];

function folds(into: string, stepId: string): Folds {
  if (into === "array") return [() => [], (a: unknown[], v) => (a.push(v), a), (a: unknown[], b: unknown[]) => a.concat(b)];
  if (into === "set") return [() => new Set(), (s: Set<unknown>, v) => s.add(v), (a: Set<unknown>, b: Set<unknown>) => new Set([...a, ...b])];
  const put = (m: Map<unknown, unknown>, kv: unknown) => {
    if (!Array.isArray(kv) || kv.length !== 2) {
      throw new TypeError(`\`collectWindow\` into "map" in step '${stepId}' needs [key, value] values; got ${describeType(kv)}`);
    }
    return m.set(kv[0], kv[1]);
  };
  return [() => new Map(), put, (a: Map<unknown, unknown>, b: Map<unknown, unknown>) => new Map([...a, ...b])];
}

/**
 * Collect each window's values, emitted on `down` as `[key, [windowId,
 * collection]]` when the window closes: an array (in timestamp order when
 * `ordered`, the default), a `Set`, or a `Map` of `[key, value]` pairs.
 * Merged sessions combine their collections (the earlier session's first).
 *
 * @param stepId - The step's name.
 * @param up - Keyed stream.
 * @param clock - How values are stamped and the watermark moves.
 * @param windower - Which windows a timestamp falls in.
 * @param options - `into` (default `"array"`) and `ordered` (default `true`).
 * @returns `{ down, late, meta }`.
 * @throws {@link BuildError} for a bad clock, windower or option.
 * @category Windowing
 * @example
 * ```ts
 * const clock = new win.EventClock((e: { at: Date; v: string }) => e.at, seconds(10));
 * win.collectWindow("per_10s", keyed, clock, new win.TumblingWindower(seconds(10), new Date(0)));
 * // key "a": x at 1 s, y at 12 s, z at 5 s (within the 10 s wait), then EOF:
 * // down = ["a", [0, [x, z]]], ["a", [1, [y]]]  (values in timestamp order)
 * ```
 */
export function collectWindow<V>(stepId: string, up: KeyedStream<V>, clock: Clock<V>, windower: Windower, options?: CollectWindowOptions<"array">): WindowOut<V, V[]>;
export function collectWindow<V>(stepId: string, up: KeyedStream<V>, clock: Clock<V>, windower: Windower, options: CollectWindowOptions<"set">): WindowOut<V, Set<V>>;
export function collectWindow<K, U>(stepId: string, up: KeyedStream<readonly [K, U]>, clock: Clock<readonly [K, U]>, windower: Windower, options: CollectWindowOptions<"map">): WindowOut<readonly [K, U], Map<K, U>>;
export function collectWindow<V>(
  stepId: string,
  up: KeyedStream<V>,
  clock: Clock<V>,
  windower: Windower,
  options: CollectWindowOptions<"array" | "set" | "map"> = {},
): WindowOut<V, unknown> {
  const { into = "array", ...windowOptions } = options;
  return defineOperator("collectWindow", stepId, { up }, ({ up }, step) => {
    checkWindowArgs("collectWindow", step.stepId, clock, windower, windowOptions.ordered ?? true);
    if (!["array", "set", "map"].includes(into)) {
      throw new BuildError(`\`collectWindow\` step '${step.stepId}': into must be "array", "set" or "map"; got ${String(into)}`);
    }
    const [builder, folder, merger] = folds(into, step.stepId);
    return { ...foldWindow("fold_window", up, clock, windower, builder, folder, merger, windowOptions) };
  }, builtin);
}

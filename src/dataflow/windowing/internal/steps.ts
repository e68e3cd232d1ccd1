/**
 * The steps inside every window operator: one `statefulBatch` of
 * {@link WindowKeyLogic}, split into `down`, `late` and `meta`.
 *
 * @module
 * @internal
 */
import { BuildError, describeType } from "../../../errors.js";
import type { KeyedStream } from "../../stream.js";
import type { RunContext } from "../../../clock.js";
import { coreFlatMapBatch, coreStatefulBatch } from "../../internal/core.js";
import { Clock } from "../clock.js";
import { Windower } from "../windower.js";
import { LATE_POLICIES } from "../latePolicy.js";
import type { WindowMetadata } from "../windowMetadata.js";
import { DOWN, LATE, META, unwrap, type WindowEvent, type WindowOutput } from "./events.js";
import { WindowKeyLogic, type WindowConfig, type WindowKeyState } from "./windowKeyLogic.js";
import { AccKeyLogic, type AccConfig, type AccKeyState } from "./accKeyLogic.js";

/** @internal The three outputs of a window step (see the public `WindowOut`). */
export type WindowStreams<V, W> = {
  readonly down: KeyedStream<readonly [number, W]>;
  readonly late: KeyedStream<readonly [number, V]>;
  readonly meta: KeyedStream<readonly [number, WindowMetadata]>;
};

/** @internal Check what a window operator was given; errors name the step. */
export function checkWindowArgs(opType: string, stepId: string, clock: unknown, windower: unknown, ordered: unknown, latePolicy: unknown = "stream"): void {
  const where = `\`${opType}\` step '${stepId}'`;
  if (!(clock instanceof Clock)) {
    throw new BuildError(`${where}: clock must be a win.SystemClock or win.EventClock; got ${describeType(clock)}`);
  }
  if (!(windower instanceof Windower)) {
    throw new BuildError(
      `${where}: windower must be a win.TumblingWindower, win.SlidingWindower or win.SessionWindower; got ${describeType(windower)}`,
    );
  }
  if (typeof ordered !== "boolean") throw new BuildError(`${where}: ordered must be a boolean; got ${describeType(ordered)}`);
  if (!(LATE_POLICIES as readonly unknown[]).includes(latePolicy)) {
    const got = typeof latePolicy === "string" ? JSON.stringify(latePolicy) : describeType(latePolicy);
    throw new BuildError(`${where}: latePolicy must be one of ${LATE_POLICIES.map((p) => `"${p}"`).join(", ")}; got ${got}`);
  }
}

/** @internal Check that a user function is a function. */
export function checkFunction(opType: string, stepId: string, name: string, f: unknown): void {
  if (typeof f !== "function") throw new BuildError(`\`${opType}\` step '${stepId}': ${name} must be a function; got ${describeType(f)}`);
}

/** @internal Add the steps of a window to the current operator's body. */
export function windowSteps<V, W, S>(up: KeyedStream<V>, config: WindowConfig<V, W, S>): WindowStreams<V, W> {
  const builder = (resume: WindowKeyState | undefined, { clock }: RunContext): WindowKeyLogic<V, W, S> => new WindowKeyLogic(config, resume, clock);
  return splitEvents(coreStatefulBatch("stateful_batch", up, builder, ""));
}

/**
 * @internal Add the steps of an accumulating window (`aggregateWindow`,
 * `foldWindow`) to the current operator's body.
 */
export function accWindowSteps<V, A, W>(up: KeyedStream<V>, config: AccConfig<V, A>): WindowStreams<V, W> {
  const builder = (resume: AccKeyState | undefined, { clock }: RunContext, key: string): AccKeyLogic<V, A> =>
    new AccKeyLogic(config, key, resume, clock);
  return splitEvents(coreStatefulBatch("stateful_batch", up, builder, ""));
}

/** The three outputs of a window step's events; an output nobody reads costs nothing. */
function splitEvents<V, W>(events: KeyedStream<WindowEvent>): WindowStreams<V, W> {
  const split = (name: string, output: WindowOutput) => coreFlatMapBatch(name, events, unwrap(output), "unwrap", true);
  return {
    down: split("unwrap_down", DOWN) as KeyedStream<readonly [number, W]>,
    late: split("unwrap_late", LATE) as KeyedStream<readonly [number, V]>,
    meta: split("unwrap_meta", META) as KeyedStream<readonly [number, WindowMetadata]>,
  };
}

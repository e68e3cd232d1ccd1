import type { KeyedStream } from "../stream.js";
import { describeType } from "../../errors.js";
import { StatefulBatchLogic, type LogicResult } from "../stateful/logic.js";
import { checkIterable } from "../stateful/result.js";
import { statefulBatchWith } from "./stateful.js";
import { MAP_STATE, ON_BATCH_INTO, type BatchInto, type MapState } from "../stateful/builtinLogic.js";

/**
 * @internal What every key's {@link MapStateLogic} of a step shares: the
 * mapper, whether it returns one value (`statefulMap`) or an iterable of
 * them (`statefulFlatMap`), and its name in errors. The runtime applies it
 * to the states it keeps itself ({@link MAP_STATE}).
 */
export class MapStateSpec<V, S> implements MapState {
  constructor(
    readonly mapper: (state: S | undefined, value: V) => readonly [S | undefined, unknown],
    readonly single: boolean,
    readonly what: string,
  ) {}

  apply(state: unknown, values: unknown[], out: unknown[], key: string): unknown {
    const { mapper, single } = this;
    let s = state as S | undefined;
    for (let i = 0; i < values.length; i++) {
      const r = mapper(s, values[i] as V);
      if (!Array.isArray(r) || r.length !== 2) {
        throw new TypeError(`${this.what} must return ${single ? "a [state, value]" : "a [state, values]"} pair; got ${describeType(r)}`);
      }
      s = r[0] as S | undefined;
      if (single) {
        out.push([key, r[1]]);
        continue;
      }
      const ws = r[1] as Iterable<unknown>;
      if (Array.isArray(ws)) {
        for (let j = 0; j < ws.length; j++) out.push([key, ws[j]]);
      } else {
        for (const w of checkIterable(ws, `${this.what} must return an iterable of values as the second element`)) out.push([key, w]);
      }
    }
    return s;
  }
}

/**
 * @internal A builder of {@link MapStateLogic}s over `spec`, marked with it
 * ({@link MAP_STATE}) so the runtime may keep the states itself.
 */
export function mapStateBuilder<V, W, S>(spec: MapStateSpec<V, S>): (resume: S | undefined) => MapStateLogic<V, W, S> {
  return Object.assign((resume: S | undefined) => new MapStateLogic<V, W, S>(spec, resume), { [MAP_STATE]: spec });
}

/**
 * @internal A key's state and mapper, over a whole batch in one call: the
 * same mapper calls, in the same order, as item by item. A state of
 * `undefined` drops the key: the key's next value (in this batch or later)
 * starts from `undefined`; the key is discarded if the batch ends so.
 * `single`: the mapper returns `[state, value]` (statefulMap), else
 * `[state, values]` (statefulFlatMap).
 */
export class MapStateLogic<V, W, S> extends StatefulBatchLogic<V, W, S> implements BatchInto {
  /** `spec`: the step's mapper and kind, one object shared by every key's logic. */
  constructor(
    private readonly spec: MapStateSpec<V, S>,
    private state: S | undefined,
  ) {
    super();
  }

  onBatch(values: V[]): LogicResult<W> {
    const out: [string, W][] = [];
    const discard = this[ON_BATCH_INTO](values, out, 0, "");
    const ws: W[] = new Array<W>(out.length);
    for (let i = 0; i < out.length; i++) ws[i] = out[i][1];
    return [ws, discard];
  }

  /**
   * `onBatch`, its `[key, value]` items pushed into the step's output: no
   * array of the key's values out, and no result tuple, per key and batch.
   */
  [ON_BATCH_INTO](values: unknown[], out: unknown[], _now: number, key: string): boolean {
    this.state = this.spec.apply(this.state, values, out, key) as S | undefined;
    return this.state === undefined;
  }

  snapshot(): S {
    // Never undefined here: an undefined state discards the key before any snapshot.
    return this.state as S;
  }
}

/**
 * Per-key state updated by a function that returns the new state and any
 * number of values to emit. Returning state `undefined` discards the key.
 *
 * @param stepId - The step's name.
 * @param up - Keyed stream.
 * @param mapper - `(state | undefined, value) => [newState | undefined, valuesToEmit]`.
 * @returns Keyed stream of emitted values.
 * @category Stateful
 * @example
 * ```ts
 * // Emit each value that is a new maximum for its key.
 * keyed.statefulFlatMap("new_max", (max: number | undefined, v: number) =>
 *   max === undefined || v > max ? [v, [v]] : [max, []],
 * );
 * // ["a", 3], ["a", 1], ["a", 5] emit ["a", 3], ["a", 5]
 * ```
 */
export function statefulFlatMap<V, W, S>(
  stepId: string,
  up: KeyedStream<V>,
  mapper: (state: S | undefined, value: V) => readonly [S | undefined, Iterable<W>],
): KeyedStream<W> {
  const spec = new MapStateSpec<V, S>(mapper, false, "`statefulFlatMap` mapper");
  return statefulBatchWith("statefulFlatMap", stepId, up, mapStateBuilder<V, W, S>(spec), "mapper");
}

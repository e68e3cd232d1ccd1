import type { KeyedStream } from "../stream.js";
import { StatefulLogic, type LogicResult } from "../stateful/logic.js";
import { checkIterable, checkPair } from "../stateful/result.js";
import { statefulWith } from "./stateful.js";

class FlatMapLogic<V, W, S> extends StatefulLogic<V, W, S> {
  constructor(
    private readonly mapper: (state: S | undefined, value: V) => readonly [S | undefined, Iterable<W>],
    private readonly what: string,
    private state: S | undefined,
  ) {
    super();
  }

  onItem(value: V): LogicResult<W> {
    const [state, ws] = checkPair(this.mapper(this.state, value), `${this.what} must return a [state, values] pair`);
    this.state = state as S | undefined;
    return [checkIterable(ws, `${this.what} must return an iterable of values as the second element`) as Iterable<W>, state === undefined];
  }

  snapshot(): S {
    // Never undefined here: an undefined state discards the key before any snapshot.
    return this.state as S;
  }
}

/** @internal `statefulFlatMap` reporting shape errors as `what`. */
export function statefulFlatMapWith<V, W, S>(
  opType: string,
  stepId: string,
  up: KeyedStream<V>,
  mapper: (state: S | undefined, value: V) => readonly [S | undefined, Iterable<W>],
  what: string,
): KeyedStream<W> {
  return statefulWith(opType, stepId, up, (resume: S | undefined) => new FlatMapLogic<V, W, S>(mapper, what, resume), "mapper");
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
  return statefulFlatMapWith("statefulFlatMap", stepId, up, mapper, "`statefulFlatMap` mapper");
}

import type { KeyedStream } from "../stream.js";
import { StatefulBatchLogic, type LogicResult } from "../stateful/logic.js";
import { statefulBatchWith } from "./stateful.js";
import { RETAIN_NOTHING } from "../stateful/result.js";

/** Folds a key's whole batch in one call: the same calls, in the same order, as folding item by item. */
class FoldLogic<V, S> extends StatefulBatchLogic<V, S, S> {
  constructor(
    private readonly builder: () => S,
    private readonly folder: (state: S, value: V) => S,
    private has: boolean,
    private state: S | undefined,
  ) {
    super();
  }

  onBatch(values: V[]): LogicResult<S> {
    if (!this.has) {
      this.state = this.builder();
      this.has = true;
    }
    for (let i = 0; i < values.length; i++) this.state = this.folder(this.state as S, values[i]);
    // Nothing to emit, keep the state: the shared result the stateful node skips checking.
    return RETAIN_NOTHING;
  }

  override onEof(): LogicResult<S> {
    return [[this.state as S], true];
  }

  snapshot(): S {
    return this.state as S;
  }
}

/**
 * Fold each key's values into one accumulator, emitted once at EOF as
 * `[key, accumulator]`, then dropped: with recovery, a run continued after
 * EOF folds only its new input, from a new accumulator. Use a window
 * operator for unbounded input.
 *
 * @param stepId - The step's name.
 * @param up - Keyed stream.
 * @param builder - Makes a key's initial accumulator.
 * @param folder - Combines the accumulator with the next value.
 * @returns Keyed stream with one item per key at EOF.
 * @category Stateful
 * @example
 * ```ts
 * keyed.foldFinal("all", () => [] as number[], (acc, v: number) => [...acc, v]);
 * // ["a", 1], ["b", 2], ["a", 3] then EOF emit ["a", [1, 3]], ["b", [2]]
 * ```
 */
export function foldFinal<V, S>(
  stepId: string,
  up: KeyedStream<V>,
  builder: () => S,
  folder: (state: S, value: V) => S,
): KeyedStream<S> {
  return foldFinalWith("foldFinal", stepId, up, builder, folder, "folder");
}

/**
 * @internal `foldFinal` whose errors name the user's function `fn`;
 * `unordered` only when `builder` and `folder` are built-in (no user code).
 */
export function foldFinalWith<V, S>(
  opType: string,
  stepId: string,
  up: KeyedStream<V>,
  builder: () => S,
  folder: (state: S, value: V) => S,
  fn: string,
  unordered = false,
): KeyedStream<S> {
  return statefulBatchWith(opType, stepId, up, (resume: S | undefined) => new FoldLogic(builder, folder, resume !== undefined, resume), fn, unordered);
}

import type { KeyedStream } from "../stream.js";
import { StatefulLogic, type LogicResult } from "../stateful/logic.js";
import { statefulWith } from "./stateful.js";

class FoldLogic<V, S> extends StatefulLogic<V, S, S> {
  constructor(
    private readonly builder: () => S,
    private readonly folder: (state: S, value: V) => S,
    private has: boolean,
    private state: S | undefined,
  ) {
    super();
  }

  onItem(value: V): LogicResult<S> {
    if (!this.has) {
      this.state = this.builder();
      this.has = true;
    }
    this.state = this.folder(this.state as S, value);
    return [[], false];
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
 * `[key, accumulator]`. Use a window operator for unbounded input.
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

/** @internal `foldFinal` whose errors name the user's function `fn`. */
export function foldFinalWith<V, S>(
  opType: string,
  stepId: string,
  up: KeyedStream<V>,
  builder: () => S,
  folder: (state: S, value: V) => S,
  fn: string,
): KeyedStream<S> {
  return statefulWith(opType, stepId, up, (resume: S | undefined) => new FoldLogic(builder, folder, resume !== undefined, resume), fn);
}

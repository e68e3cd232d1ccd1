import { BuildError } from "../../errors.js";
import type { KeyedStream, Stream } from "../stream.js";
import { StatefulBatchLogic, type LogicResult } from "../stateful/logic.js";
import { defineOperator, builtin } from "../internal/operator.js";
import { coreStatefulBatch } from "../internal/core.js";
import { map } from "./map.js";
import { merge } from "./merge.js";

/**
 * How `join` stores each side's values: keep the `first`, the `last`, or all
 * of them (`product`: rows are the cartesian product).
 *
 * @category Stateful
 */
export type JoinInsertMode = "first" | "last" | "product";

/**
 * When `join` emits: when every side has a value (`complete`, then the state
 * is cleared), on every value (`running`, state kept), or at EOF (`final`).
 *
 * @category Stateful
 */
export type JoinEmitMode = "complete" | "running" | "final";

/**
 * Options of {@link join}.
 *
 * @typeParam E - The emit mode.
 * @category Stateful
 */
export interface JoinOptions<E extends JoinEmitMode = JoinEmitMode> {
  /** Default `"last"`. */
  insertMode?: JoinInsertMode;
  /** Default `"complete"`. */
  emitMode?: E;
}

/**
 * A row emitted by `join`: one entry per side, `undefined` for a side with no
 * value (only possible in `running` and `final` modes).
 *
 * @typeParam Sides - The joined keyed streams.
 * @typeParam E - The emit mode.
 * @category Stateful
 */
export type JoinRow<Sides extends readonly KeyedStream<unknown>[], E extends JoinEmitMode> = {
  -readonly [I in keyof Sides]: Sides[I] extends Stream<readonly [string, infer V]>
    ? E extends "complete" ? V : V | undefined
    : never;
};

/** @internal The per-key state of a join: the values seen on each side. */
export class JoinLogic extends StatefulBatchLogic<readonly [number, unknown], unknown[], unknown[][]> {
  constructor(
    private readonly insertMode: JoinInsertMode,
    private readonly emitMode: JoinEmitMode,
    private seen: unknown[][],
  ) {
    super();
  }

  onBatch(values: (readonly [number, unknown])[]): LogicResult<unknown[]> {
    const out: unknown[][] = [];
    for (const [side, value] of values) {
      const vals = this.seen[side];
      if (this.insertMode === "product") vals.push(value);
      else if (this.insertMode === "last" || vals.length === 0) vals[0] = value;
      if (this.emitMode === "complete" && this.seen.every((v) => v.length > 0)) {
        this.rows(out);
        this.seen = this.seen.map(() => []);
      } else if (this.emitMode === "running") {
        this.rows(out);
      }
    }
    return [out, this.seen.every((v) => v.length === 0)];
  }

  override onEof(): LogicResult<unknown[]> {
    const out: unknown[][] = [];
    if (this.emitMode === "final") this.rows(out);
    return [out, true];
  }

  snapshot(): unknown[][] {
    return this.seen.map((v) => [...v]);
  }

  /** Append the cartesian product of the sides (`undefined` for empty sides). */
  private rows(out: unknown[][]): void {
    let rows: unknown[][] = [[]];
    for (const vals of this.seen) {
      const options = vals.length > 0 ? vals : [undefined];
      const next: unknown[][] = [];
      for (const row of rows) for (const v of options) next.push([...row, v]);
      rows = next;
    }
    for (const row of rows) out.push(row);
  }
}

/**
 * Join keyed streams by key, like Bytewax's `join`. Each side's values are
 * stored per key by `insertMode`; rows (one entry per side, in side order)
 * are emitted by `emitMode`. `product` rows come in cartesian product order.
 *
 * @param stepId - The step's name.
 * @param sides - Two or more keyed streams.
 * @param options - `insertMode` (default `"last"`), `emitMode` (default `"complete"`).
 * @returns Keyed stream of rows.
 * @throws {@link BuildError} for fewer than one side or an unknown mode.
 * @category Stateful
 * @example
 * ```ts
 * const names = flow.input("names", new TestingSource([["u1", "Ada"]] as const));
 * const emails = flow.input("emails", new TestingSource([["u1", "ada@x"]] as const));
 * op.join("user", [names, emails]).output("out", new TestingSink(out));
 * // out = [["u1", ["Ada", "ada@x"]]]
 * ```
 */
export function join<const Sides extends readonly KeyedStream<any>[], E extends JoinEmitMode = "complete">(
  stepId: string,
  sides: Sides,
  options: JoinOptions<E> = {},
): KeyedStream<JoinRow<Sides, E>> {
  const insertMode = options.insertMode ?? "last";
  const emitMode = options.emitMode ?? "complete";
  if (!["first", "last", "product"].includes(insertMode)) {
    throw new BuildError(`\`join\` step '${stepId}': insertMode must be "first", "last" or "product"; got ${String(insertMode)}`);
  }
  if (!["complete", "running", "final"].includes(emitMode)) {
    throw new BuildError(`\`join\` step '${stepId}': emitMode must be "complete", "running" or "final"; got ${String(emitMode)}`);
  }
  if (!Array.isArray(sides) || sides.length === 0) {
    throw new BuildError(`\`join\` step '${stepId}' needs a non-empty array of keyed streams`);
  }
  return defineOperator("join", stepId, { sides: sides as readonly KeyedStream<unknown>[] }, ({ sides }) => {
    const tagged = sides.map((side, i) =>
      map(`side_${i}`, side, (kv): readonly [string, readonly [number, unknown]] => [kv[0], [i, kv[1]]]),
    );
    const merged = merge("merge", ...tagged);
    const n = sides.length;
    const builder = (resume: unknown[][] | undefined): JoinLogic =>
      new JoinLogic(insertMode, emitMode, resume ?? Array.from({ length: n }, () => []));
    return { down: coreStatefulBatch("stateful_batch", merged, builder, "join") };
  }, builtin).down as unknown as KeyedStream<JoinRow<Sides, E>>;
}

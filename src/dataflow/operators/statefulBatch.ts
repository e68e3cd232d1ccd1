import type { KeyedStream } from "../stream.js";
import { StatefulBatchLogic, type StatefulBatchBuilder } from "../stateful/logic.js";
import { builderFunction } from "../internal/builder.js";
import { coreStatefulBatch } from "../internal/core.js";

/**
 * The lowest-level stateful operator (core): one {@link StatefulBatchLogic}
 * per key, built by `builder(resumeState, context)` (`undefined` for a new
 * key; `context` is the run's {@link RunContext}, with its clock), called
 * with each batch of the key's values, on its timer, and at EOF. Emits
 * `[key, value]` for every value the logic returns. The builder may be the
 * logic class itself, constructed with `(resumeState, context)`: then the
 * state type is inferred from it (see {@link StatefulBatchBuilder}).
 *
 * Ordering: each batch is grouped by key, keys in sorted (UTF-16 code unit)
 * order, values of a key in arrival order; due notifications fire before the
 * next batch; at EOF `onEof` runs for every key in sorted order.
 *
 * @param stepId - The step's name.
 * @param up - Keyed stream.
 * @param builder - Makes a key's logic from its resume state (and the run's
 *   context): a function, or a logic class.
 * @returns Keyed stream of emitted values.
 * @category Stateful
 * @example
 * ```ts
 * keyed.statefulBatch("sum", (resume: number | undefined) => new SumLogic(resume ?? 0));
 * keyed.statefulBatch("sum", SumLogic); // the same, when SumLogic's constructor takes (resume?: number)
 * ```
 */
export function statefulBatch<V, W, S>(stepId: string, up: KeyedStream<V>, builder: StatefulBatchBuilder<V, W, S>): KeyedStream<W> {
  return coreStatefulBatch(stepId, up, builderFunction(builder, StatefulBatchLogic), "");
}

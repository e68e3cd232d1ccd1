import { describeType } from "../../errors.js";
import type { RunContext } from "../../clock.js";
import type { KeyedStream } from "../stream.js";
import { StatefulBatchLogic, StatefulLogic, type LogicResult, type StatefulBuilder } from "../stateful/logic.js";
import { builderFunction } from "../internal/builder.js";
import { checkLogicResult } from "../stateful/result.js";
import { defineOperator, builtin } from "../internal/operator.js";
import { coreStatefulBatch } from "../internal/core.js";

/** Runs a per-item logic over batches, rebuilding it after a mid-batch discard. */
class ItemLogicAdapter<V, W, S> extends StatefulBatchLogic<V, W, S> {
  constructor(
    private readonly builder: (resume: S | undefined, context: RunContext) => StatefulLogic<V, W, S>,
    private readonly context: RunContext,
    private logic: StatefulLogic<V, W, S> | undefined,
  ) {
    super();
  }

  static build<V, W, S>(
    builder: (resume: S | undefined, context: RunContext) => StatefulLogic<V, W, S>,
    resume: S | undefined,
    context: RunContext,
  ): StatefulLogic<V, W, S> {
    const logic: unknown = builder(resume, context);
    if (!(logic instanceof StatefulLogic)) {
      throw new TypeError(`builder must return a StatefulLogic; got ${describeType(logic)} (a logic is an instance of a class extending StatefulLogic)`);
    }
    return logic as StatefulLogic<V, W, S>;
  }

  onBatch(values: V[]): LogicResult<W> {
    const out: W[] = [];
    for (let i = 0; i < values.length; i++) {
      const logic = (this.logic ??= ItemLogicAdapter.build(this.builder, undefined, this.context));
      const [ws, discard] = checkLogicResult(logic.onItem(values[i]), "onItem") as LogicResult<W>;
      if (Array.isArray(ws)) for (let j = 0; j < ws.length; j++) out.push(ws[j]);
      else for (const w of ws) out.push(w);
      if (discard) this.logic = undefined;
    }
    return [out, this.logic === undefined];
  }

  override onNotify(): LogicResult<W> {
    return this.logic === undefined ? [[], true] : (checkLogicResult(this.logic.onNotify(), "onNotify") as LogicResult<W>);
  }

  override onEof(): LogicResult<W> {
    return this.logic === undefined ? [[], true] : (checkLogicResult(this.logic.onEof(), "onEof") as LogicResult<W>);
  }

  override notifyAt(): Date | undefined {
    return this.logic?.notifyAt();
  }

  snapshot(): S {
    return this.logic!.snapshot();
  }
}

/** @internal `stateful` whose per-item errors are reported as calls of `fn`. */
export function statefulWith<V, W, S>(
  opType: string,
  stepId: string,
  up: KeyedStream<V>,
  builder: (resume: S | undefined, context: RunContext) => StatefulLogic<V, W, S>,
  fn: string,
): KeyedStream<W> {
  return statefulBatchWith(
    opType,
    stepId,
    up,
    (resume: S | undefined, context) => new ItemLogicAdapter(builder, context, ItemLogicAdapter.build(builder, resume, context)),
    fn,
  );
}

/**
 * @internal The step a per-item stateful operator makes (`<stepId>.stateful_batch`),
 * for built-in operators whose logic handles a key's whole batch in one call
 * (no per-item adapter); errors are reported as calls of `fn`. `unordered`:
 * the logic runs no user code on a batch (see the core spec).
 */
export function statefulBatchWith<V, W, S>(
  opType: string,
  stepId: string,
  up: KeyedStream<V>,
  builder: (resume: S | undefined, context: RunContext) => StatefulBatchLogic<V, W, S>,
  fn: string,
  unordered = false,
): KeyedStream<W> {
  return defineOperator(opType, stepId, { up }, ({ up }) => ({ down: coreStatefulBatch("stateful_batch", up, builder, fn, unordered) }), builtin).down;
}

/**
 * Keyed state with one call per value: one {@link StatefulLogic} per key,
 * built by `builder(resumeState, context)`; `onItem` for each value in
 * arrival order. `context` (a {@link RunContext}) gives the run's clock.
 * A `DISCARD` drops the state; the key's next value starts fresh (even within
 * the same batch). The builder may be the logic class itself, constructed
 * with `(resumeState, context)`: then the state type is inferred from it
 * (see {@link StatefulBuilder}).
 *
 * @param stepId - The step's name.
 * @param up - Keyed stream.
 * @param builder - Makes a key's logic from its resume state (and the run's
 *   context): a function, or a logic class.
 * @returns Keyed stream of emitted values.
 * @category Stateful
 * @example
 * ```ts
 * keyed.stateful("sessions", (resume: number | undefined) => new SessionCount(resume ?? 0));
 * keyed.stateful("sessions", SessionCount); // the same: its constructor takes (n = 0)
 * ```
 */
export function stateful<V, W, S>(stepId: string, up: KeyedStream<V>, builder: StatefulBuilder<V, W, S>): KeyedStream<W> {
  return statefulWith("stateful", stepId, up, builderFunction(builder, StatefulLogic), "onItem");
}

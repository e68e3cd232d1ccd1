/**
 * Turning a throw from user code into a `StepError` that names the step.
 *
 * @module
 * @internal
 */
import { StepError, causeText } from "../../errors.js";

/** @internal Where a failure happened, besides the step. */
export interface FailureContext {
  key?: string | undefined;
  partition?: string | undefined;
  epoch?: number | undefined;
}

/**
 * @internal Wrap `cause` thrown while calling `fn` in step `stepId` (a
 * `StepError` passes through unchanged).
 */
export function stepFailure(cause: unknown, fn: string, stepId: string, ctx: FailureContext = {}): StepError {
  if (cause instanceof StepError) return cause;
  const where =
    (ctx.partition !== undefined ? ` of partition '${ctx.partition}'` : "") +
    ` in step '${stepId}'` +
    (ctx.key !== undefined ? ` for key '${ctx.key}'` : "");
  return new StepError(`error calling \`${fn}\`${where}: ${causeText(cause)}`, {
    stepId,
    key: ctx.key,
    partition: ctx.partition,
    epoch: ctx.epoch,
    cause,
  });
}

/** @internal Whether `x` is a Promise or another thenable. */
export function isThenable(x: unknown): x is PromiseLike<unknown> {
  return x !== null && typeof x === "object" && typeof (x as PromiseLike<unknown>).then === "function";
}

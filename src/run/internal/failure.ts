/**
 * Calling user code: turning a throw into a `StepError` that names the step,
 * and checking what it returned.
 *
 * @module
 * @internal
 */
import { StepError, causeText, describeType } from "../../errors.js";

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

/** @internal Turn what a mapper or a source returned into an array, or fail clearly. */
export function toArray(result: unknown, fn: string, what: string): unknown[] {
  if (Array.isArray(result)) return result;
  if (result != null && typeof (result as Iterable<unknown>)[Symbol.iterator] === "function") {
    return Array.from(result as Iterable<unknown>);
  }
  throw new TypeError(`\`${fn}\` ${what} must return an iterable; got ${describeType(result)}`);
}

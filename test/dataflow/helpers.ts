/**
 * Shared helpers of the dataflow tests: run a flow and collect its output, or
 * run it expecting a `StepError` and check where it points.
 */
import { expect } from "vitest";
import { Dataflow, StepError, type Stream } from "../../src/index.js";
import { TestingSink, TestingSource } from "../../src/testing/index.js";
import { runAdvancing, type AdvancingRunOptions } from "../support/virtualTime.js";

/** Run options (a `VirtualClock` and how far to advance it, see `runAdvancing`), plus the source's batch size. */
export interface FlowRunOptions extends AdvancingRunOptions {
  batchSize?: number;
}

/**
 * Build `TestingSource(items, batchSize) -> body -> TestingSink` in a flow
 * called `f` (input step `f.in`, output step `f.out`), run it and return what
 * the sink got.
 */
export async function runThrough<X, Y>(
  items: readonly X[],
  body: (up: Stream<X>) => Stream<Y>,
  options: FlowRunOptions = {},
): Promise<Y[]> {
  const out: Y[] = [];
  const flow = new Dataflow("f");
  const { batchSize = 1, ...runOptions } = options;
  body(flow.input("in", new TestingSource(items, batchSize))).output("out", new TestingSink(out));
  await runAdvancing(flow, runOptions);
  return out;
}

/** Run `flow` (see `runAdvancing`), which must reject, and return what it rejected with. */
export async function runFailing(flow: Dataflow, options: AdvancingRunOptions = {}): Promise<unknown> {
  let resolved = false;
  const err = await runAdvancing(flow, options).then(
    () => {
      resolved = true;
    },
    (e: unknown) => e,
  );
  expect(resolved, "runMain resolved but was expected to reject").toBe(false);
  return err;
}

/** What a `StepError` must look like. */
export interface ExpectedStepError {
  /** The step the error must name. */
  stepId: string;
  /** Fragments the message must contain. */
  message: string | readonly string[];
  /** The class of `cause`, if it matters. */
  cause?: abstract new (...args: any[]) => unknown;
  /** A fragment of `cause.message`. */
  causeMessage?: string;
}

/** Assert `err` is a `StepError` matching `expected`, and return it. */
export function expectStepError(err: unknown, expected: ExpectedStepError): StepError {
  expect(err).toBeInstanceOf(StepError);
  const e = err as StepError;
  expect(e.name).toBe("StepError");
  expect(e.stepId).toBe(expected.stepId);
  for (const fragment of typeof expected.message === "string" ? [expected.message] : expected.message) {
    expect(e.message).toContain(fragment);
  }
  if (expected.cause !== undefined) expect(e.cause).toBeInstanceOf(expected.cause);
  if (expected.causeMessage !== undefined) expect((e.cause as Error).message).toContain(expected.causeMessage);
  return e;
}

/**
 * Build `TestingSource(items) -> body -> TestingSink` in flow `f`, run it
 * expecting a `StepError` matching `expected`, and return the error.
 */
export async function failThrough<X>(
  items: readonly X[],
  body: (up: Stream<X>) => Stream<unknown>,
  expected: ExpectedStepError,
  options: FlowRunOptions = {},
): Promise<StepError> {
  const flow = new Dataflow("f");
  const { batchSize = 1, ...runOptions } = options;
  body(flow.input("in", new TestingSource(items, batchSize))).output("out", new TestingSink([]));
  return expectStepError(await runFailing(flow, runOptions), expected);
}

/** A promise with its `resolve` and `reject` exposed. */
export interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (reason: unknown) => void;
}

/** Make a {@link Deferred}. */
export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Let pending promise callbacks and I/O callbacks run `n` times over (no timers). */
export async function ticks(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * Helpers of the keyed-state tests: run `TestingSource([...]) -> body ->
 * TestingSink` over `[key, value]` items (with markers), or expect a
 * `StepError` that names the step and the key.
 */
import { expect } from "vitest";
import { Dataflow, type KeyedStream, type StepError, type Stream } from "../../../src/index.js";
import { TestingSink, TestingSource, type TestingSourceMarker } from "../../../src/testing/index.js";
import { runAdvancing } from "../../support/virtualTime.js";
import { expectStepError, runFailing, type ExpectedStepError, type FlowRunOptions } from "../helpers.js";

/** A keyed item. */
export type KV<V> = readonly [string, V];

/** A keyed item or a `TestingSource` marker. */
export type Item<V> = KV<V> | TestingSourceMarker;

/**
 * Run options plus the source's batch size. On a `VirtualClock` (`clock`),
 * the run starts, the clock advances by `advance` ms (default 0), then the
 * run is awaited: see `runAdvancing`.
 */
export type KeyedRunOptions = FlowRunOptions;

/** Build flow `f`: `f.in` (a `TestingSource` of `items`) -> `body` -> `f.out`, appending to `out`. */
export function keyedFlow<V, W>(
  items: readonly Item<V>[],
  body: (up: KeyedStream<V>) => Stream<W>,
  out: W[],
  batchSize = 1,
): Dataflow {
  const flow = new Dataflow("f");
  body(flow.input("in", new TestingSource<KV<V>>(items, batchSize))).output("out", new TestingSink(out));
  return flow;
}

/** Run `items` through `body` and return what reached the sink. */
export async function runKeyed<V, W>(
  items: readonly Item<V>[],
  body: (up: KeyedStream<V>) => Stream<W>,
  options: KeyedRunOptions = {},
): Promise<W[]> {
  const out: W[] = [];
  const { batchSize, ...runOptions } = options;
  await runAdvancing(keyedFlow(items, body, out, batchSize), runOptions);
  return out;
}

/** What a keyed `StepError` must look like: step, message fragments and the key (or its absence). */
export interface ExpectedKeyedError extends ExpectedStepError {
  /** The key `err.key` must hold (`undefined`: no key). */
  key: string | undefined;
}

/** Assert `err` is a `StepError` for `expected.key`, and return it. */
export function expectKeyedError(err: unknown, expected: ExpectedKeyedError): StepError {
  const e = expectStepError(err, expected);
  expect(e.key).toBe(expected.key);
  if (expected.key !== undefined) expect(e.message).toContain(`for key '${expected.key}'`);
  return e;
}

/** Run `items` through `body`, which must fail with a `StepError` like `expected`. */
export async function failKeyed<V>(
  items: readonly Item<V>[],
  body: (up: KeyedStream<V>) => Stream<unknown>,
  expected: ExpectedKeyedError,
  options: KeyedRunOptions = {},
): Promise<StepError> {
  const { batchSize, ...runOptions } = options;
  const flow = keyedFlow(items, body, [], batchSize);
  return expectKeyedError(await runFailing(flow, runOptions), expected);
}

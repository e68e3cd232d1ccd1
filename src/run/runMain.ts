/**
 * `runMain`: run a dataflow on one worker in this thread.
 *
 * @module
 */
import { BuildError, describeType } from "../errors.js";
import { Dataflow } from "../dataflow/dataflow.js";
import { compileFlow } from "./internal/graph.js";
import { Executor, type RunOutcome } from "./internal/executor.js";
import type { EncodedSnapshot } from "./internal/node.js";

/**
 * Options of {@link runMain}.
 *
 * @category Running
 */
export interface RunOptions {
  /**
   * Length of an epoch in milliseconds (default 10 000). Snapshots are taken
   * at epoch close. `0` makes every source batch its own epoch: the next
   * batch is read only after the previous epoch is fully processed.
   */
  epochInterval?: number;
  /**
   * Stops the run at the next batch boundary, without closing the epoch in
   * progress (nothing half-written is snapshotted). `runMain` then resolves.
   */
  signal?: AbortSignal;
}

/** @internal Options only tests and the recovery layer use. */
export interface InternalRunOptions extends RunOptions {
  onEpochClose?: (epoch: number, entries: EncodedSnapshot[]) => void | Promise<void>;
}

/** Default epoch length: 10 s. */
const DEFAULT_EPOCH_INTERVAL = 10_000;

/** @internal Run a flow on one worker and say how it ended. */
export async function runFlow(flow: Dataflow, options: InternalRunOptions = {}): Promise<RunOutcome> {
  if (!(flow instanceof Dataflow)) {
    throw new BuildError(`runMain needs a Dataflow; got ${describeType(flow)}`);
  }
  const epochInterval = options.epochInterval ?? DEFAULT_EPOCH_INTERVAL;
  if (typeof epochInterval !== "number" || !Number.isFinite(epochInterval) || epochInterval < 0) {
    throw new BuildError(`epochInterval must be a finite number of milliseconds >= 0; got ${String(epochInterval)}`);
  }
  const executor = new Executor(compileFlow(flow), {
    epochInterval,
    worker: 0,
    workerCount: 1,
    onEpochClose: options.onEpochClose,
    signal: options.signal,
  });
  await executor.open();
  return executor.run();
}

/**
 * Run a dataflow to completion on one worker in this thread.
 *
 * Resolves when every input has ended (after `onEof` of every stateful step,
 * a last snapshot and closing the sinks), when a source throws
 * `AbortExecution`, or when `options.signal` aborts. Rejects with a
 * `StepError` naming the step (and key or partition) when user code throws,
 * or a `BuildError` when the flow is incomplete.
 *
 * @param flow - The dataflow to run.
 * @param options - Epoch interval and stop signal.
 * @returns A Promise that settles when the run ends.
 * @throws {@link BuildError} for a flow without input or output, or bad options.
 * @category Running
 * @example
 * ```ts
 * const out: number[] = [];
 * const flow = new Dataflow("f");
 * flow.input("in", new TestingSource([1, 2, 3])).map("sq", (x) => x * x).output("out", new TestingSink(out));
 * await runMain(flow, { epochInterval: 0 });
 * // out = [1, 4, 9]
 * ```
 */
export async function runMain(flow: Dataflow, options: RunOptions = {}): Promise<void> {
  await runFlow(flow, options);
}

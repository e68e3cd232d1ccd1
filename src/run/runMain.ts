/**
 * `runMain`: run a dataflow on one worker in this thread.
 *
 * @module
 */
import { isMainThread } from "node:worker_threads";
import { BuildError, describeType } from "../errors.js";
import { Dataflow } from "../dataflow/dataflow.js";
import { compileFlow } from "./internal/graph.js";
import { Executor, type RunOutcome } from "./internal/executor.js";
import { LocalEpochs } from "./internal/epochDriver.js";
import type { EncodedSnapshot } from "./internal/node.js";
import { Resume } from "./internal/resume.js";
import { RecoveryConfig } from "../recovery/config.js";
import { RecoveryStore } from "../recovery/store.js";
import { StoreThread } from "../recovery/storeThread.js";
import { RunLog } from "./internal/runLog.js";
import { StderrLog } from "../internal/stderrLog.js";
import { RunClock, systemClock } from "../clock.js";
import { loadingForCli } from "./internal/cliLoading.js";
import { channelCapacityOption } from "./internal/channels.js";
import { startOps, wantsOps, type Ops } from "./internal/metrics/ops.js";
import { WorkerMetrics } from "./internal/metrics/workerMetrics.js";
import type { MetricsHub } from "./internal/metrics/hub.js";
import { toJson } from "../visualize/json.js";

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
  /**
   * Flow control between workers: the most items a channel between two
   * workers holds (default 10 000; see {@link sluice!CliMainOptions.channelCapacity | CliMainOptions.channelCapacity}).
   * One worker has no channels: it is only checked (a positive integer).
   */
  channelCapacity?: number;
  /**
   * Persist snapshots to this recovery directory at every epoch close and
   * resume from it: a run started again after a crash (or after reaching the
   * end of its input) continues from the last committed epoch.
   */
  recovery?: RecoveryConfig;
  /**
   * Where the run reads the time and waits for it (default: the system
   * clock). Tests pass a `VirtualClock` from `sluice/testing` to drive
   * timers, windows, epoch closes and pauses without sleeping.
   */
  clock?: RunClock;
  /**
   * Serve Prometheus metrics at `http://127.0.0.1:<port>/metrics` while the
   * run lasts: a port, or `{ port, host }` to listen elsewhere (port 0 picks
   * a free one; the address is printed on stderr). See the operations guide
   * for the list of metrics.
   */
  metrics?: number | ServeOptions;
  /**
   * Serve the live dashboard (the dataflow with each step's throughput,
   * epochs, workers' load, source lag, errors) at `http://127.0.0.1:<port>/`
   * while the run lasts; also serves `/metrics`.
   */
  dashboard?: number | ServeOptions;
}

/**
 * Where a run serves its metrics or dashboard.
 *
 * @category Running
 */
export interface ServeOptions {
  /** TCP port; 0 picks a free one. */
  port: number;
  /** Host or address to listen on (default `127.0.0.1`: this machine only). */
  host?: string;
}

/** @internal Options only tests and the recovery layer use. */
export interface InternalRunOptions extends RunOptions {
  onEpochClose?: (epoch: number, entries: EncodedSnapshot[]) => void | Promise<void>;
  /** Count into this hub without serving it (the metrics benchmark measures the counting alone). */
  metricsHub?: MetricsHub;
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
  channelCapacityOption(options.channelCapacity);
  const clock = options.clock ?? systemClock;
  if (!(clock instanceof RunClock)) throw new BuildError(`options.clock must be a RunClock (like a VirtualClock); got ${describeType(clock)}`);
  const compiled = compileFlow(flow);
  const recovery = options.recovery;
  if (recovery !== undefined && !(recovery instanceof RecoveryConfig)) {
    throw new BuildError(`options.recovery must be a RecoveryConfig; got ${describeType(recovery)}`);
  }
  // Attached before anything is awaited, so a virtual clock advanced right after this call waits for the run.
  const detach = clock.attach();
  let store: RecoveryStore | undefined;
  let writer: StoreThread | undefined;
  const log = RunLog.fromEnv();
  let executor: Executor | undefined;
  let ops: Ops | undefined;
  wantsOps(options);
  try {
    ops =
      options.metricsHub !== undefined
        ? { hub: options.metricsHub, close: () => Promise.resolve() }
        : await startOps({ flowId: flow.flowId, workers: 1, recovery: recovery !== undefined, epochInterval }, options);
    if (ops !== undefined) ops.hub.graph = JSON.parse(toJson(flow)) as unknown;
    store = recovery === undefined ? undefined : RecoveryStore.open(recovery, 1);
    const resume = store === undefined ? Resume.none(flow.stateSerde) : Resume.fromStore(store, flow.stateSerde);
    log?.started(flow.flowId, 1, epochInterval, store);
    const exec = (executor = new Executor(compiled, { worker: 0, workerCount: 1, clock, startEpoch: resume.epoch }));
    // The store thread commits each epoch while this thread runs the next.
    if (store !== undefined) writer = StoreThread.start(store);
    const commits = writer;
    const driver = new LocalEpochs(exec, {
      epochInterval,
      signal: options.signal,
      store: commits === undefined ? undefined : { commit: (epoch, entries) => commits.commit(epoch, entries, clock.now()) },
      onEpochClose: options.onEpochClose,
      // Not through onEpochClose: without recovery, snapshots stay only checked, never encoded.
      afterEpoch:
        log === undefined && ops === undefined
          ? undefined
          : (epoch, snapshots, startedAt) => {
              log?.epoch(epoch, exec.itemsRead, store === undefined ? undefined : snapshots?.length, startedAt);
              ops?.hub.epochClosed(epoch, startedAt, snapshots ?? []);
            },
    });
    await exec.open(resume);
    if (ops !== undefined) {
      const metrics = new WorkerMetrics(exec);
      ops.hub.attachLocal(0, () => metrics.sample());
    }
    const outcome = await exec.run(driver);
    log?.ended(outcome, exec.itemsRead);
    ops?.hub.ended(outcome);
    return outcome;
  } catch (err) {
    log?.failed(err, executor?.itemsRead ?? 0);
    ops?.hub.error(err);
    ops?.hub.ended("failed");
    throw err;
  } finally {
    // Epochs handed to the store thread are committed before the run settles.
    await writer?.close();
    store?.close();
    detach();
    await ops?.close();
  }
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
 * A flow module may end with `await runMain(flow)` to run itself
 * (`npx tsx flow.ts`) and still be run with `sluice run flow.ts`: while the
 * `sluice` CLI (or a worker thread of a run) imports the module, `runMain`
 * runs nothing and resolves at once, and the CLI runs the exported flow, so
 * the flow runs once, with the CLI's options. It says so on stderr, once:
 * `sluice: skipped runMain(flow 'wc') in a module sluice is loading; sluice
 * run runs the exported flow itself`.
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
  if (loadingForCli()) {
    // Running here too would run the flow twice: once while the module loads, once by the CLI.
    if (isMainThread) {
      const name = flow instanceof Dataflow ? `flow '${flow.flowId}'` : describeType(flow);
      StderrLog.fromEnv().warn(`skipped runMain(${name}) in a module sluice is loading; sluice run runs the exported flow itself`, {
        event: "skipped_run_main",
        flow: flow instanceof Dataflow ? flow.flowId : undefined,
      });
    }
    return;
  }
  await runFlow(flow, options);
}

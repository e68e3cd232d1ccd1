/**
 * `cliMain`: run a flow module on several worker threads.
 *
 * @module
 */
import { resolve as resolvePath } from "node:path";
import { fileURLToPath } from "node:url";
import { isMainThread, workerData } from "node:worker_threads";
import { BuildError } from "../errors.js";
import { RecoveryConfig } from "../recovery/config.js";
import { runWorkers } from "./internal/workers.js";
import { loadingForCli } from "./internal/cliLoading.js";
import { wantsOps } from "./internal/metrics/ops.js";
import { channelCapacityOption } from "./internal/channels.js";
import type { ServeOptions } from "./runMain.js";
import { checkClusterOptions, type ClusterOptions } from "../cluster/clusterOptions.js";

/**
 * Options of {@link cliMain}.
 *
 * @category Running
 */
export interface CliMainOptions {
  /** Number of worker threads (default 1). */
  workers?: number;
  /** Epoch length in ms (default 10 000); `0`: one epoch per round of source batches. */
  epochInterval?: number;
  /** Recovery directory and backup interval. */
  recovery?: RecoveryConfig;
  /**
   * Stops every worker promptly, abandoning the open epoch: what waits in
   * channels between workers is dropped (it is replayed from the last
   * commit); a user call already running (a sink's `writeBatch`) finishes.
   */
  signal?: AbortSignal;
  /**
   * Flow control: the most items a channel between two workers holds
   * (default 10 000). Each exchange (a keyed step, `redistribute`, a
   * partitioned sink) has a channel from every worker to every other one;
   * a worker whose channel is full stops reading the sources (and loops)
   * that feed it until the receiver has processed items. A channel may
   * exceed it by what one source batch sends. See the scaling guide.
   */
  channelCapacity?: number;
  /** Serve Prometheus metrics of every worker, summed by this thread (see {@link sluice!RunOptions.metrics | RunOptions.metrics}). */
  metrics?: number | ServeOptions;
  /** Serve the live dashboard (see {@link sluice!RunOptions.dashboard | RunOptions.dashboard}). */
  dashboard?: number | ServeOptions;
  /**
   * Run as one process of a cluster application, which shares the flow with
   * its other processes through Kafka (see {@link ClusterOptions} and the
   * cluster guide). `recovery`, `metrics` and `dashboard` do not apply.
   */
  cluster?: ClusterOptions;
}

/** Whether this code runs inside one of Sluice's worker threads, or is being loaded by `sluice run`. */
function inSluiceWorker(): boolean {
  if (loadingForCli()) return true;
  return !isMainThread && (workerData as { sluiceWorker?: unknown } | null)?.sluiceWorker === true;
}

/**
 * Run the `Dataflow` exported as `exportName` by the module `flowModule` on
 * `workers` worker threads of this process. Each worker imports the module
 * and builds the same graph; keyed items are exchanged between workers by
 * `stableHash(key) % workers`, each partition of a fixed-partitioned source
 * or sink is handled by one worker, and epochs are aligned across workers.
 *
 * A module may call `cliMain(import.meta.url, …)` at its top level: inside
 * the workers, which import the module again, and when `sluice run` loads
 * the module, the call does nothing.
 *
 * @param flowModule - Path or `file:` URL of the module (`.ts` runs without a build).
 * @param exportName - The export holding the flow (a `Dataflow` or a function returning one).
 * @param options - Workers, epoch interval, recovery, stop signal.
 * @returns Resolves when every input ended on every worker (or the run was stopped).
 * @throws {@link StepError} from the worker where user code failed (the other
 *   workers are stopped), {@link BuildError} for bad options, recovery errors,
 *   {@link sluice!ConnectorError | ConnectorError} (`cause`: the EPIPE) when
 *   this process's stdout, where the workers print, was closed by its reader
 *   (the workers are stopped at their next batch boundary).
 * @category Running
 * @example
 * ```ts
 * // flow.ts
 * export const flow = new Dataflow("wc");
 * // ...
 * await cliMain(import.meta.url, "flow", { workers: 2, epochInterval: seconds(1) });
 * ```
 */
export async function cliMain(flowModule: string | URL, exportName = "flow", options: CliMainOptions = {}): Promise<void> {
  if (inSluiceWorker()) return;
  const workers = options.workers ?? 1;
  if (!Number.isInteger(workers) || workers < 1) throw new BuildError(`workers must be a positive integer; got ${String(workers)}`);
  const epochInterval = options.epochInterval ?? 10_000;
  if (!Number.isFinite(epochInterval) || epochInterval < 0) {
    throw new BuildError(`epochInterval must be a finite number of milliseconds >= 0; got ${String(epochInterval)}`);
  }
  if (options.recovery !== undefined && !(options.recovery instanceof RecoveryConfig)) {
    throw new BuildError("options.recovery must be a RecoveryConfig");
  }
  const channelCapacity = channelCapacityOption(options.channelCapacity);
  wantsOps(options);
  const text = flowModule instanceof URL ? flowModule.href : flowModule;
  const file = text.startsWith("file:") ? fileURLToPath(text) : resolvePath(text);
  if (options.cluster !== undefined) {
    const cluster = checkClusterOptions(options.cluster);
    if (options.recovery !== undefined) throw new BuildError("options.recovery cannot be used with options.cluster: a cluster application keeps its state in Kafka");
    if (options.metrics !== undefined || options.dashboard !== undefined) throw new BuildError("options.metrics and options.dashboard are not served by a cluster process yet");
    // Loaded only for a cluster: it brings kafkajs, which a flow without Kafka never needs.
    const { runCluster } = await import("../cluster/internal/clusterRun.js");
    await runCluster(file, exportName, { cluster, workers, epochInterval, signal: options.signal });
    return;
  }
  await runWorkers(file, exportName, {
    workers,
    epochInterval,
    recovery: options.recovery,
    signal: options.signal,
    channelCapacity,
    ops: { metrics: options.metrics, dashboard: options.dashboard },
  });
}

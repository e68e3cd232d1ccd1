/**
 * A run on several worker threads: starts the threads with a port to each
 * other, and carries out what the {@link Coordinator} decides (messages to
 * the workers, the epoch timer, commits to the recovery store, the end of
 * the run).
 *
 * @module
 * @internal
 */
import { MessageChannel, Worker, type MessagePort } from "node:worker_threads";
import { ConnectorError } from "../../errors.js";
import type { RecoveryConfig } from "../../recovery/config.js";
import { RecoveryStore } from "../../recovery/store.js";
import { StoreThread } from "../../recovery/storeThread.js";
import { RunLog } from "./runLog.js";
import type { RunOutcome } from "./executor.js";
import { Coordinator, type CoordinatorCommand, type CoordinatorEvent } from "./coordinator.js";
import { Resume } from "./resume.js";
import type { FromWorker, MetricsMessage, SnapshotMessage, ToWorker, WorkerData } from "./protocol.js";
import { startOps, type Ops, type OpsOptions } from "./metrics/ops.js";
import { DEFAULT_CHANNEL_CAPACITY } from "./channels.js";

/** @internal Options of a run on several workers. */
export interface WorkersOptions {
  readonly workers: number;
  readonly epochInterval: number;
  readonly recovery?: RecoveryConfig | undefined;
  readonly signal?: AbortSignal | undefined;
  /** Items each channel between two workers holds at most (default {@link DEFAULT_CHANNEL_CAPACITY}). */
  readonly channelCapacity?: number | undefined;
  /** Serve metrics / the dashboard. */
  readonly ops?: OpsOptions | undefined;
}

/** @internal Run the flow exported as `exportName` by `file` on several worker threads. */
export async function runWorkers(file: string, exportName: string, options: WorkersOptions): Promise<RunOutcome> {
  const ops = await startOps(
    { flowId: exportName, workers: options.workers, recovery: options.recovery !== undefined, epochInterval: options.epochInterval },
    options.ops ?? {},
  );
  try {
    return await runThreads(file, exportName, options, ops);
  } catch (err) {
    ops?.hub.error(err);
    ops?.hub.ended("failed");
    throw err;
  } finally {
    await ops?.close();
  }
}

function runThreads(file: string, exportName: string, options: WorkersOptions, ops: Ops | undefined): Promise<RunOutcome> {
  const n = options.workers;
  const store = options.recovery === undefined ? undefined : RecoveryStore.open(options.recovery, n);
  const log = RunLog.fromEnv();
  const startEpoch = store?.resumeEpoch ?? 1;
  const ports: (MessagePort | null)[][] = Array.from({ length: n }, () => new Array<MessagePort | null>(n).fill(null));
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const { port1, port2 } = new MessageChannel();
      ports[i][j] = port1;
      ports[j][i] = port2;
    }
  }
  const states = store === undefined ? [] : Resume.encodedFrom(store);
  const workerUrl = new URL("./workerMain.js", import.meta.url);
  const workers = ports.map((mine, worker) => {
    const data: WorkerData = {
      sluiceWorker: true,
      file,
      exportName,
      worker,
      workerCount: n,
      epochInterval: options.epochInterval,
      startEpoch,
      execution: store?.exNum ?? 0,
      recovery: store !== undefined,
      states,
      ports: mine,
      metrics: ops !== undefined,
      channelCapacity: options.channelCapacity ?? DEFAULT_CHANNEL_CAPACITY,
    };
    return new Worker(workerUrl, { workerData: data, transferList: mine.filter((p): p is MessagePort => p !== null) });
  });
  const coordinator = new Coordinator({ workers: n, epochInterval: options.epochInterval, startEpoch, storing: store !== undefined });
  // The store thread commits; this thread stays free to pass the workers' messages meanwhile.
  const writer = store === undefined ? undefined : StoreThread.start(store);

  return new Promise<RunOutcome>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    /** What closed this thread's stdout, where the workers' stdout is piped (EPIPE: the reader went away). */
    let stdoutFailure: Error | undefined;
    /** Stop the timer and listeners, let the store thread finish what it was sent, close the store; then `settle`. */
    const end = (settle: () => void): void => {
      if (timer !== undefined) clearInterval(timer);
      options.signal?.removeEventListener("abort", onAbort);
      process.stdout.off("error", onStdoutError);
      void (writer?.close() ?? Promise.resolve()).finally(() => {
        try {
          store?.close();
        } catch {
          // Closing after a failure: the original error matters more.
        }
        settle();
      });
    };
    /** For metrics: when the barrier in progress started, and what the last commit wrote. */
    let barrierAt = Date.now();
    let written: readonly SnapshotMessage[] = [];
    const run = (cmd: CoordinatorCommand): void => {
      switch (cmd.do) {
        case "post":
          if (cmd.msg.t === "barrier") barrierAt = Date.now();
          for (const w of workers) w.postMessage(cmd.msg satisfies ToWorker);
          break;
        case "logStart":
          log?.started(cmd.flowId, n, options.epochInterval, store);
          break;
        case "startTicks":
          timer = setInterval(() => on({ t: "tick" }), options.epochInterval);
          break;
        case "commit":
          if (writer === undefined) {
            on({ t: "committed", epoch: cmd.epoch });
            break;
          }
          written = cmd.entries;
          writer.commit(cmd.epoch, cmd.entries, Date.now()).then(
            () => on({ t: "committed", epoch: cmd.epoch }),
            (error: unknown) => on({ t: "commitFailed", error }),
          );
          break;
        case "logEpoch":
          log?.epoch(cmd.epoch, cmd.items, cmd.stored);
          ops?.hub.epochClosed(cmd.epoch, barrierAt, written);
          written = [];
          break;
        case "finish":
          log?.ended(cmd.outcome, cmd.items);
          ops?.hub.ended(cmd.outcome);
          end(() => {
            if (cmd.outcome === "stopped" && stdoutFailure !== undefined) {
              reject(
                new ConnectorError(`standard output is closed (${(stdoutFailure as NodeJS.ErrnoException).code ?? stdoutFailure.message}); the run was stopped`, {
                  cause: stdoutFailure,
                }),
              );
            } else {
              resolve(cmd.outcome);
            }
          });
          break;
        case "fail":
          // Workers report what they read at epoch closes only: after a failure, the count is not known.
          log?.failed(cmd.error, undefined);
          for (const w of workers) void w.terminate();
          end(() => reject(cmd.error));
          break;
      }
    };
    const on = (event: CoordinatorEvent): void => {
      for (const cmd of coordinator.on(event)) run(cmd);
    };
    const onAbort = (): void => on({ t: "stop" });
    // The workers' stdout is piped to this thread's. Once that fails (EPIPE
    // from `| head`), the pipe stops reading them, and a worker printing
    // would wait forever for it to drain: drop their output and stop the run.
    const onStdoutError = (err: Error): void => {
      if (stdoutFailure !== undefined) return;
      stdoutFailure = err;
      for (const w of workers) w.stdout.resume();
      on({ t: "stop" });
    };
    process.stdout.on("error", onStdoutError);
    options.signal?.addEventListener("abort", onAbort, { once: true });
    if (options.signal?.aborted) onAbort();
    workers.forEach((w, worker) => {
      w.on("message", (msg: FromWorker | MetricsMessage) => {
        if (msg.t === "parts" && ops !== undefined) ops.hub.info.flowId = msg.flowId;
        if (msg.t !== "metrics") return on(msg);
        ops?.hub.update(msg.sample);
        if (msg.graph !== undefined && ops !== undefined) ops.hub.graph = JSON.parse(msg.graph) as unknown;
      });
      w.on("error", (error) => on({ t: "crash", worker, error }));
      w.on("exit", (code) => on({ t: "exit", worker, code }));
    });
  });
}

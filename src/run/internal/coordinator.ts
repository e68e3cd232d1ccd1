/**
 * The coordinator of a run on several workers (main thread): starts the
 * worker threads, assigns partitions, drives the epoch barriers, commits
 * snapshots to the recovery store, and stops every worker on the first error
 * or on a stop signal.
 *
 * @module
 * @internal
 */
import { MessageChannel, Worker, type MessagePort } from "node:worker_threads";
import { stableHash } from "../../internal/hash.js";
import type { RecoveryConfig } from "../../recovery/config.js";
import { RecoveryStore } from "../../recovery/store.js";
import { RunLog } from "./runLog.js";
import type { RunOutcome } from "./executor.js";
import { deserializeError, type FromWorker, type SnapshotMessage, type ToWorker, type WorkerData } from "./protocol.js";

/** @internal Options of a run on several workers. */
export interface WorkersOptions {
  readonly workers: number;
  readonly epochInterval: number;
  readonly recovery?: RecoveryConfig | undefined;
  readonly signal?: AbortSignal | undefined;
}

/**
 * @internal Give every partition one worker among those that list it:
 * `candidates[stableHash(name) % candidates.length]`, the same whoever computes it.
 */
export function assignPartitions(listed: Record<string, string[]>[]): Record<string, Record<string, number>> {
  const candidates = new Map<string, Map<string, number[]>>();
  listed.forEach((parts, worker) => {
    for (const [stepId, names] of Object.entries(parts)) {
      let step = candidates.get(stepId);
      if (step === undefined) candidates.set(stepId, (step = new Map()));
      for (const name of names) {
        const list = step.get(name);
        if (list === undefined) step.set(name, [worker]);
        else list.push(worker);
      }
    }
  });
  const owners: Record<string, Record<string, number>> = {};
  for (const [stepId, parts] of candidates) {
    owners[stepId] = {};
    for (const [name, workers] of parts) owners[stepId][name] = workers[stableHash(name) % workers.length];
  }
  return owners;
}

/** @internal Run the flow exported as `exportName` by `file` on several worker threads. */
export function runWorkers(file: string, exportName: string, options: WorkersOptions): Promise<RunOutcome> {
  const n = options.workers;
  const store = options.recovery === undefined ? undefined : RecoveryStore.open(options.recovery, n);
  const states = store === undefined ? [] : [...store.loadStates()].map(([stepId, keys]) => [stepId, [...keys]] as [string, [string, Uint8Array][]]);
  let epoch = store?.resumeEpoch ?? 1;
  const log = RunLog.fromEnv();

  const ports: (MessagePort | null)[][] = Array.from({ length: n }, () => new Array(n).fill(null));
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const { port1, port2 } = new MessageChannel();
      ports[i][j] = port1;
      ports[j][i] = port2;
    }
  }
  const workerUrl = new URL("./workerMain.js", import.meta.url);
  const workers = ports.map((mine, worker) => {
    const data: WorkerData = {
      sluiceWorker: true,
      file,
      exportName,
      worker,
      workerCount: n,
      epochInterval: options.epochInterval,
      startEpoch: epoch,
      recovery: store !== undefined,
      states,
      ports: mine,
    };
    return new Worker(workerUrl, { workerData: data, transferList: mine.filter((p): p is MessagePort => p !== null) });
  });

  return new Promise<RunOutcome>((resolve, reject) => {
    const post = (msg: ToWorker): void => workers.forEach((w) => w.postMessage(msg));
    const listed: Record<string, string[]>[] = new Array(n);
    let listedCount = 0;
    let allInputs: string[] = [];
    const done: Set<string>[] = workers.map(() => new Set());
    let inBarrier = false;
    let finalCommitted = false;
    let wantBarrier = false;
    let snapshots: SnapshotMessage[] = [];
    let snapshotCount = 0;
    const ended: (RunOutcome | undefined)[] = new Array(n);
    let exited = 0;
    let settled = false;
    let outcome: RunOutcome = "eof";
    let timer: NodeJS.Timeout | undefined;
    /** Items each worker had read at its last epoch close. */
    const itemsRead: number[] = new Array<number>(n).fill(0);
    const totalRead = (): number => itemsRead.reduce((a, b) => a + b, 0);

    const finish = (err?: unknown): void => {
      if (settled) return;
      settled = true;
      // Workers report what they read at epoch closes only: after a failure, the count is not known.
      if (err !== undefined) log?.failed(err, undefined);
      else log?.ended(outcome, totalRead());
      if (timer !== undefined) clearInterval(timer);
      options.signal?.removeEventListener("abort", onAbort);
      if (err !== undefined) for (const w of workers) void w.terminate();
      try {
        store?.close();
      } catch {
        // Closing after a failure: the original error matters more.
      }
      if (err !== undefined) reject(err);
      else resolve(outcome);
    };
    const onAbort = (): void => {
      outcome = "stopped";
      post({ t: "stop" });
    };
    options.signal?.addEventListener("abort", onAbort, { once: true });
    if (options.signal?.aborted) onAbort();

    const globallyDone = (): string[] => allInputs.filter((i) => done.every((d) => d.has(i)));
    const maybeBarrier = (): void => {
      if (inBarrier || finalCommitted || listedCount < n || outcome !== "eof") return;
      const doneInputs = globallyDone();
      const final = doneInputs.length === allInputs.length;
      // An epoch closes when its interval elapsed (the timer) or, with `epochInterval: 0`, when a worker
      // read a round of batches; or when every input ended.
      if (!final && !wantBarrier) return;
      inBarrier = true;
      wantBarrier = false;
      post({ t: "barrier", epoch, doneInputs, final });
      pendingFinal = final;
    };
    let pendingFinal = false;

    const onMessage = (msg: FromWorker): void => {
      if (settled) return;
      switch (msg.t) {
        case "parts":
          listed[msg.worker] = msg.parts;
          allInputs = msg.inputs;
          if (++listedCount === n) {
            log?.started(msg.flowId, n, options.epochInterval, store && { dir: options.recovery!.dbDir, execution: store.exNum, resumeEpoch: store.resumeEpoch });
            post({ t: "assign", owners: assignPartitions(listed) });
            if (options.epochInterval > 0) {
              timer = setInterval(() => {
                wantBarrier = true;
                maybeBarrier();
              }, options.epochInterval);
            }
            maybeBarrier();
          }
          break;
        case "inputsDone":
          done[msg.worker] = new Set(msg.inputs);
          maybeBarrier();
          break;
        case "wantBarrier":
          wantBarrier = true;
          maybeBarrier();
          break;
        case "snapshots":
          for (const e of msg.entries) snapshots.push(e);
          itemsRead[msg.worker] = msg.items;
          if (++snapshotCount === n) {
            try {
              store?.commit(epoch, snapshots);
            } catch (err) {
              finish(err);
              return;
            }
            log?.epoch(epoch, totalRead(), store === undefined ? undefined : snapshots.length);
            snapshots = [];
            snapshotCount = 0;
            post({ t: "committed", epoch });
            epoch++;
            inBarrier = false;
            if (pendingFinal) finalCommitted = true;
            else maybeBarrier();
          }
          break;
        case "ended":
          ended[msg.worker] = msg.outcome;
          if (msg.outcome !== "eof" && outcome === "eof") {
            // One worker stopped (AbortExecution): stop the others too.
            outcome = msg.outcome;
            post({ t: "stop" });
          }
          break;
        case "error":
          finish(deserializeError(msg.error));
          break;
      }
    };

    workers.forEach((w, i) => {
      w.on("message", onMessage);
      w.on("error", (err) => finish(err));
      w.on("exit", (code) => {
        exited++;
        if (!settled && ended[i] === undefined && code !== 0) {
          finish(new Error(`worker ${i} exited with code ${code} before the run ended`));
        } else if (exited === n) {
          finish(ended.every((o) => o !== undefined) ? undefined : new Error("a worker ended without reporting how the run ended"));
        }
      });
    });
  });
}

/**
 * The main thread's picture of a run for operators: each worker's latest
 * counters (read live on one worker, posted by worker threads otherwise),
 * the last epochs, recent errors and how the run ended. The Prometheus
 * endpoint and the dashboard both read it.
 *
 * @module
 * @internal
 */
import type { EpochRecord, ErrorRecord, RunSnapshot, WorkerSample } from "./sample.js";

/** Epochs kept for the dashboard. */
const EPOCHS_KEPT = 120;
/** Errors kept for the dashboard. */
const ERRORS_KEPT = 20;

/** @internal What a hub is told when a run starts. */
export interface RunInfo {
  /** The flow's id (with worker threads, known once a worker loaded the flow). */
  flowId: string;
  readonly workers: number;
  readonly recovery: boolean;
  readonly epochInterval: number;
}

/** @internal One run's metrics, gathered on the main thread. */
export class MetricsHub {
  readonly startedAt = Date.now();
  private readonly samples: (WorkerSample | undefined)[];
  /** Live samplers of workers in this thread. */
  private readonly local: ((() => WorkerSample) | undefined)[];
  private readonly epochs: EpochRecord[] = [];
  private epochTotals = { count: 0, keys: 0, bytes: 0 };
  private readonly errors: ErrorRecord[] = [];
  private state: RunSnapshot["state"] = "running";
  private lastClose = this.startedAt;
  /** The flow's step tree (`toJson`), once known. */
  graph: unknown;
  /** Called with every new snapshot-worthy change (an epoch, the end); the dashboard pushes then. */
  onChange: (() => void) | undefined;

  readonly info: RunInfo;

  constructor(info: RunInfo) {
    this.info = { ...info };
    this.samples = new Array<WorkerSample | undefined>(info.workers).fill(undefined);
    this.local = new Array<(() => WorkerSample) | undefined>(info.workers).fill(undefined);
  }

  /** Worker `worker` runs in this thread: read its counters when asked. */
  attachLocal(worker: number, sample: () => WorkerSample): void {
    this.local[worker] = sample;
  }

  /** A worker thread's latest counters. */
  update(sample: WorkerSample): void {
    this.samples[sample.worker] = sample;
  }

  /**
   * An epoch closed (committed, with recovery): `startedAt` is when its close
   * began, `written` the snapshots stored with it (none without recovery).
   */
  epochClosed(epoch: number, startedAt: number, written: readonly { readonly bytes: Uint8Array | null }[]): void {
    const now = Date.now();
    const keys = written.length;
    let bytes = 0;
    for (const w of written) bytes += w.bytes?.byteLength ?? 0;
    this.epochs.push({ epoch, closedAt: now, durationMs: now - this.lastClose, commitLagMs: now - startedAt, keys, bytes });
    if (this.epochs.length > EPOCHS_KEPT) this.epochs.shift();
    this.epochTotals = { count: this.epochTotals.count + 1, keys: this.epochTotals.keys + keys, bytes: this.epochTotals.bytes + bytes };
    this.lastClose = now;
    this.onChange?.();
  }

  /** An error to show (the run's failure, a connector's retried error). */
  error(err: unknown): void {
    const e = err instanceof Error ? err : new Error(String(err));
    const stepId = (e as { stepId?: unknown }).stepId;
    this.errors.push({ at: Date.now(), name: e.name, message: e.message, stepId: typeof stepId === "string" ? stepId : undefined });
    if (this.errors.length > ERRORS_KEPT) this.errors.shift();
    this.onChange?.();
  }

  /** The run ended (`failed`: with an error, given to {@link error} too). */
  ended(state: Exclude<RunSnapshot["state"], "running">): void {
    this.refresh();
    this.state = state;
    this.onChange?.();
  }

  /** Read the live samplers into the samples (the final figures stay once the run ended). */
  private refresh(): void {
    for (let w = 0; w < this.local.length; w++) {
      const sample = this.local[w];
      if (sample !== undefined) this.samples[w] = sample();
    }
  }

  /** The run now. */
  snapshot(): RunSnapshot {
    if (this.state === "running") this.refresh();
    return {
      ...this.info,
      startedAt: this.startedAt,
      now: Date.now(),
      state: this.state,
      samples: this.samples.slice(),
      epochs: this.epochs.slice(),
      epochTotals: this.epochTotals,
      errors: this.errors.slice(),
    };
  }
}

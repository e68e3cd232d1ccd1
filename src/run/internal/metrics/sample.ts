/**
 * What a run's metrics are made of, as plain data: each worker's counters
 * (a {@link WorkerSample}, posted to the main thread by worker threads), the
 * epochs the run committed, and the whole picture the Prometheus endpoint
 * and the dashboard read (a {@link RunSnapshot}).
 *
 * @module
 * @internal
 */

/** @internal Upper bounds (seconds) of the batch processing time histogram's buckets. */
export const BATCH_SECONDS_BUCKETS: readonly number[] = [0.000_01, 0.000_05, 0.000_1, 0.000_5, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5];

/** @internal One runtime step on one worker. */
export interface StepSample {
  /** Core step id (`flow.step.core_op`). */
  readonly stepId: string;
  /** The user's step id, as errors name it. */
  readonly userStepId: string;
  /** Items handed to the step. */
  readonly itemsIn: number;
  /** Items the step emitted (on every port). */
  readonly itemsOut: number;
  /** Batches processed. */
  readonly batches: number;
  /** Timed batches (one in {@link TIME_EVERY}) per bucket of {@link BATCH_SECONDS_BUCKETS}, not cumulative; last: above every bound. */
  readonly buckets: readonly number[];
  /** Total seconds of the timed batches. */
  readonly seconds: number;
  /** The user steps the node runs: its own, then those fused into it (per-item chains run as one loop). */
  readonly userSteps: readonly string[];
  /** Keys held (stateful steps), else `undefined`. */
  readonly keys?: number | undefined;
}

/** @internal One source partition read by one worker. */
export interface SourceSample {
  readonly stepId: string;
  readonly partition: string;
  readonly items: number;
  /** How far behind the partition's end the reader is (items), when the source can tell (Kafka). */
  readonly lag?: number | undefined;
}

/** @internal An exchange's traffic as one worker saw it. */
export interface ExchangeSample {
  readonly stepId: string;
  /** Items this worker sent to each worker (its own index: kept locally). */
  readonly sent: readonly number[];
  /** Items other workers sent here that this worker took in. */
  readonly received: number;
  /**
   * Flow control: per worker, items this worker sent there on this exchange
   * that it has not processed yet (the channel's occupancy; own index 0).
   * Absent on one worker.
   */
  readonly queued?: readonly number[] | undefined;
  /** Per worker: the most items that channel ever held. */
  readonly queuedMax?: readonly number[] | undefined;
  /** Items a channel holds at most (`channelCapacity`). */
  readonly capacity?: number | undefined;
}

/** @internal Everything one worker counts. */
export interface WorkerSample {
  readonly worker: number;
  /** The run clock's epoch the worker is in. */
  readonly epoch: number;
  readonly steps: readonly StepSample[];
  readonly sources: readonly SourceSample[];
  readonly exchanges: readonly ExchangeSample[];
  /** Milliseconds this worker's loop ran without sleeping (waiting for input or timers): its load. */
  readonly busyMs: number;
  /** When the sample was taken (ms since the Unix epoch). */
  readonly at: number;
}

/** @internal One committed (or, without recovery, closed) epoch. */
export interface EpochRecord {
  readonly epoch: number;
  /** When it closed (ms since the Unix epoch). */
  readonly closedAt: number;
  /** Its length: from the previous epoch's close (or the start) to this one's (ms). */
  readonly durationMs: number;
  /** From the start of its close (barrier) to the commit (ms). */
  readonly commitLagMs: number;
  /** Snapshots written (keys and partitions; discards included); 0 without recovery. */
  readonly keys: number;
  /** Bytes of snapshots written; 0 without recovery. */
  readonly bytes: number;
}

/** @internal A failure or warning the dashboard lists. */
export interface ErrorRecord {
  readonly at: number;
  readonly name: string;
  readonly message: string;
  readonly stepId?: string | undefined;
}

/** @internal The whole picture of a run at one moment. */
export interface RunSnapshot {
  readonly flowId: string;
  readonly workers: number;
  readonly startedAt: number;
  readonly now: number;
  /** `running`, or how it ended. */
  readonly state: "running" | "eof" | "stopped" | "aborted" | "failed";
  /** Whether snapshots are stored. */
  readonly recovery: boolean;
  readonly epochInterval: number;
  /** Latest sample of each worker (`undefined` until it sent one). */
  readonly samples: readonly (WorkerSample | undefined)[];
  /** The last epochs, oldest first. */
  readonly epochs: readonly EpochRecord[];
  /** Totals over every epoch of the run. */
  readonly epochTotals: { readonly count: number; readonly keys: number; readonly bytes: number };
  readonly errors: readonly ErrorRecord[];
}

/** @internal Of the batches each step processes, one in this many is timed (timing costs two clock reads). */
export const TIME_EVERY = 64;

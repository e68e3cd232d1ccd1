/**
 * Source contracts: what a connector implements so the executor can read it.
 *
 * @module
 */
import type { RunContext } from "../clock.js";

/**
 * One partition of a {@link FixedPartitionedSource}: an ordered, resumable
 * stream of items, such as one file or one Kafka topic-partition.
 *
 * Contract:
 * - `nextBatch()` must never block. Return what is ready now (possibly `[]`),
 *   or `null` when the input has ended. It may return a Promise, which the
 *   executor awaits, so keep that Promise short-lived too.
 * - `nextAwake()` says when to poll next. `undefined` (or no method) means at
 *   once if the last batch was non-empty, else after about 1 ms.
 * - `snapshot()` returns the position after the last item returned by
 *   `nextBatch()`, as plain data; `buildPart` gets it back on resume.
 * - `close()` is called on a clean end of input only. It is not guaranteed.
 * - `abort(reason)` is called instead, at most once and best effort, when the
 *   run ends before this partition's input did: the run failed (`reason` is
 *   the error it fails with), was stopped, or a source threw
 *   `AbortExecution` (`reason` is an `AbortExecution` then). Release
 *   connections, timers and file handles there, so they do not keep the
 *   process alive. The executor does not wait for a returned Promise, and
 *   ignores what `abort` throws.
 *
 * @typeParam X - Item type.
 * @typeParam S - Resume state type.
 * @category Inputs
 * @example
 * ```ts
 * class CountPartition extends StatefulSourcePartition<number, number> {
 *   constructor(private next: number, private readonly end: number) { super(); }
 *   nextBatch(): number[] | null {
 *     if (this.next >= this.end) return null;
 *     return [this.next++];
 *   }
 *   snapshot(): number { return this.next; }
 * }
 * ```
 */
export abstract class StatefulSourcePartition<X, S> {
  /** Items ready now; `[]` for none yet; `null` at end of input. Never blocks. */
  abstract nextBatch(): Iterable<X> | null | Promise<Iterable<X> | null>;
  /** When to call `nextBatch` next; `undefined` for the default cadence. */
  nextAwake?(): Date | undefined;
  /** The position after the last returned item. */
  abstract snapshot(): S;
  /** Release resources at a clean end of input. Not guaranteed to be called. */
  close?(): void | Promise<void>;
  /**
   * Release resources when the run ends before this partition's input did
   * (failure, stop, `AbortExecution`); `close()` is not called then.
   *
   * @param reason - The error the run fails with, or an `AbortExecution` for a stopped or aborted run.
   */
  abort?(reason: unknown): void | Promise<void>;
}

/**
 * A source made of a fixed set of named partitions, each read by exactly one
 * worker and resumable from a snapshot.
 *
 * @typeParam X - Item type.
 * @typeParam S - Resume state type of each partition.
 * @category Inputs
 * @example
 * ```ts
 * class RangeSource extends FixedPartitionedSource<number, number> {
 *   listParts(): string[] { return ["only"]; }
 *   buildPart(_stepId: string, _part: string, resume: number | undefined) {
 *     return new CountPartition(resume ?? 0, 10);
 *   }
 * }
 *
 * // Partitions listed by a service: `listParts` may be async.
 * class ShardSource extends FixedPartitionedSource<number, number> {
 *   constructor(private readonly shards: { list(): Promise<string[]> }) { super(); }
 *   listParts(): Promise<string[]> { return this.shards.list(); }
 *   buildPart(_stepId: string, _shard: string, resume: number | undefined) {
 *     return new CountPartition(resume ?? 0, 10);
 *   }
 * }
 * ```
 */
export abstract class FixedPartitionedSource<X, S> {
  /**
   * Names of the partitions reachable from this worker.
   *
   * Called when a run starts, on every worker, before any partition is
   * built. It may return a Promise, which the executor awaits, so it may ask
   * a broker or a service (Kafka's source lists topic-partitions with an
   * admin client); nothing is read until it settles, so give such a call a
   * timeout. A throw or a rejected Promise fails the run with a
   * {@link sluice!StepError | StepError} naming the step and `listParts`.
   * Return the same names on every call: the executor may call it more than
   * once per run, and a remote source may keep the answer.
   *
   * @returns The partition names (in any order; duplicates count once), or a Promise of them.
   */
  abstract listParts(): string[] | Promise<string[]>;
  /**
   * Build the partition `forPart`, positioned at `resumeState` (or at the
   * start when `undefined`).
   *
   * @param stepId - Full id of the input step, for error messages.
   * @param forPart - One of the names from `listParts()`.
   * @param resumeState - What the partition's `snapshot()` returned, or `undefined`.
   * @param context - The run's clock and worker (always given by the
   *   executor; absent when a test builds a partition by hand): a partition
   *   that needs the time reads `context.clock.now()`, so a test's
   *   `VirtualClock` drives it.
   */
  abstract buildPart(
    stepId: string,
    forPart: string,
    resumeState: S | undefined,
    context?: RunContext,
  ): StatefulSourcePartition<X, S> | Promise<StatefulSourcePartition<X, S>>;
}

/**
 * One worker's share of a {@link DynamicSource}. Same contract as
 * {@link StatefulSourcePartition} (including `close` and `abort`) without snapshots: such sources are not
 * resumable, so processing them is at most once across a crash.
 *
 * @typeParam X - Item type.
 * @category Inputs
 * @example
 * ```ts
 * class Ticks extends StatelessSourcePartition<number> {
 *   private n = 0;
 *   nextBatch(): number[] { return [this.n++]; }
 *   nextAwake(): Date { return new Date(Date.now() + seconds(1)); }
 * }
 * ```
 */
export abstract class StatelessSourcePartition<X> {
  /** Items ready now; `[]` for none yet; `null` at end of input. Never blocks. */
  abstract nextBatch(): Iterable<X> | null | Promise<Iterable<X> | null>;
  /** When to call `nextBatch` next; `undefined` for the default cadence. */
  nextAwake?(): Date | undefined;
  /** Release resources at a clean end of input. Not guaranteed to be called. */
  close?(): void | Promise<void>;
  /**
   * Release resources when the run ends before this partition's input did
   * (failure, stop, `AbortExecution`); `close()` is not called then.
   *
   * @param reason - The error the run fails with, or an `AbortExecution` for a stopped or aborted run.
   */
  abort?(reason: unknown): void | Promise<void>;
}

/**
 * A source that every worker reads a share of, with no resume state (random
 * data, a socket, a live feed).
 *
 * @typeParam X - Item type.
 * @category Inputs
 * @example
 * ```ts
 * class TickSource extends DynamicSource<number> {
 *   build(_stepId: string, _worker: number, _count: number) { return new Ticks(); }
 * }
 * ```
 */
export abstract class DynamicSource<X> {
  /**
   * Build this worker's partition.
   *
   * @param stepId - Full id of the input step.
   * @param workerIndex - This worker's index, `0 <= workerIndex < workerCount`.
   * @param workerCount - How many workers run the flow.
   * @param context - The run's clock (read the time with `context.clock.now()`;
   *   always given by the executor, absent when a test builds a partition by hand).
   */
  abstract build(
    stepId: string,
    workerIndex: number,
    workerCount: number,
    context?: RunContext,
  ): StatelessSourcePartition<X> | Promise<StatelessSourcePartition<X>>;
}

/**
 * Anything `op.input` accepts: a fixed-partitioned or a dynamic source.
 *
 * @typeParam X - Item type.
 * @category Inputs
 */
export type Source<X> = FixedPartitionedSource<X, any> | DynamicSource<X>;

/** @internal Whether `source` follows the fixed-partitioned contract. */
export function isFixedPartitionedSource(source: unknown): source is FixedPartitionedSource<unknown, unknown> {
  return (
    typeof source === "object" &&
    source !== null &&
    typeof (source as FixedPartitionedSource<unknown, unknown>).listParts === "function" &&
    typeof (source as FixedPartitionedSource<unknown, unknown>).buildPart === "function"
  );
}

/** @internal Whether `source` follows the dynamic contract. */
export function isDynamicSource(source: unknown): source is DynamicSource<unknown> {
  return typeof source === "object" && source !== null && typeof (source as DynamicSource<unknown>).build === "function";
}

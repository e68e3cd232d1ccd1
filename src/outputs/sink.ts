/**
 * Sink contracts: what a connector implements so the executor can write to it.
 *
 * @module
 */
import { stableHash } from "../internal/hash.js";

/**
 * One partition of a {@link FixedPartitionedSink}, such as one file.
 *
 * Contract: `writeBatch` may return a Promise; the executor awaits it before
 * reading the next source batch (backpressure). `snapshot()` returns what is
 * needed to resume writing right after the last written value (a file sink
 * returns its byte offset and truncates to it on resume, so output is exactly
 * once). `close()` is called at a clean end of the run only.
 *
 * A sink that cannot take back what it wrote (a Kafka topic, a database
 * without rollback past a commit) makes its output exactly once in two
 * phases: it writes each epoch's values provisionally (in an open
 * transaction), puts in `snapshot()` whatever it needs to finish that
 * epoch's output on its own (the values themselves, or the transaction's
 * id), and makes them final in `commit()`, which the executor calls once the
 * snapshot is committed. A crash in between leaves a snapshot whose output
 * may or may not be final: `buildPart` gets that snapshot back and finishes
 * the job (it must tell which, for example from a marker committed in the
 * same transaction).
 *
 * @typeParam X - Value type written.
 * @typeParam S - Resume state type.
 * @category Outputs
 * @example
 * ```ts
 * class ArrayPartition extends StatefulSinkPartition<string, number> {
 *   constructor(private readonly out: string[]) { super(); }
 *   writeBatch(values: string[]): void { this.out.push(...values); }
 *   snapshot(): number { return this.out.length; }
 * }
 * ```
 */
export abstract class StatefulSinkPartition<X, S> {
  /** Write values, in order. */
  abstract writeBatch(values: X[]): void | Promise<void>;
  /** The position after the last written value. */
  abstract snapshot(): S;
  /**
   * The last `snapshot()` not yet committed is now committed in the recovery
   * store (without recovery: was taken). Called once per `snapshot()`, in
   * order, after the epoch's snapshot is stored; never for a snapshot that a
   * crash kept from being stored. The executor does not wait for a returned
   * Promise, but a rejection (or a throw) fails the run at the partition's
   * next write, snapshot or close, and `close()` waits for it.
   */
  commit?(): void | Promise<void>;
  /** Flush and release resources at a clean end of the run. Not guaranteed. */
  close?(): void | Promise<void>;
  /**
   * Called (best effort, at most once) instead of `close()` when the run ends
   * without reaching EOF: with the error it fails with, or with an
   * `AbortExecution` when it was stopped or a source aborted it.
   */
  abort?(error: unknown): void;
}

/**
 * A sink made of a fixed set of named partitions. It takes `[key, value]`
 * items: the key picks the partition (`partFn`), only the value is written.
 *
 * @typeParam X - Value type written.
 * @typeParam S - Resume state type of each partition.
 * @category Outputs
 * @example
 * ```ts
 * class ArraySink extends FixedPartitionedSink<string, number> {
 *   readonly parts = new Map<string, string[]>([["a", []], ["b", []]]);
 *   listParts(): string[] { return [...this.parts.keys()]; }
 *   buildPart(_stepId: string, part: string) { return new ArrayPartition(this.parts.get(part)!); }
 * }
 * ```
 */
export abstract class FixedPartitionedSink<X, S> {
  /**
   * Names of the partitions reachable from this worker.
   *
   * Called when a run starts, on every worker, before any partition is
   * built. It may return a Promise, which the executor awaits, so it may ask
   * a broker or a service; nothing is written until it settles, so give such
   * a call a timeout. A throw, a rejected Promise or no names at all fails
   * the run with a {@link sluice!StepError | StepError} naming the step and
   * `listParts`. Return the same names on every call: the executor may call
   * it more than once per run, and `partFn` indexes the sorted names.
   *
   * @returns The partition names (in any order; duplicates count once), or a Promise of them.
   */
  abstract listParts(): string[] | Promise<string[]>;
  /**
   * Which partition a key goes to: the partition is
   * `sortedParts[partFn(key) % sortedParts.length]`. Must be stable across
   * processes. Default: {@link stableHash} of the key.
   *
   * @param key - The item's key.
   * @returns A non-negative integer.
   */
  partFn(key: string): number {
    return stableHash(key);
  }
  /**
   * Build the partition `forPart`, positioned at `resumeState`.
   *
   * @param stepId - Full id of the output step, for error messages.
   * @param forPart - One of the names from `listParts()`.
   * @param resumeState - What the partition's `snapshot()` returned, or `undefined`.
   */
  abstract buildPart(
    stepId: string,
    forPart: string,
    resumeState: S | undefined,
  ): StatefulSinkPartition<X, S> | Promise<StatefulSinkPartition<X, S>>;
}

/**
 * One worker's share of a {@link DynamicSink}: no resume state, so output is
 * at least once across a crash.
 *
 * @typeParam X - Item type written.
 * @category Outputs
 * @example
 * ```ts
 * class LogPartition extends StatelessSinkPartition<unknown> {
 *   writeBatch(items: unknown[]): void { for (const x of items) console.log(x); }
 * }
 * ```
 */
export abstract class StatelessSinkPartition<X> {
  /** Write items, in order. */
  abstract writeBatch(items: X[]): void | Promise<void>;
  /** Flush and release resources at a clean end of the run. Not guaranteed. */
  close?(): void | Promise<void>;
  /**
   * Called (best effort, at most once) instead of `close()` when the run ends
   * without reaching EOF: with the error it fails with, or with an
   * `AbortExecution` when it was stopped or a source aborted it. Lets a sink
   * tell its consumers and release its connections.
   */
  abort?(error: unknown): void;
}

/**
 * A sink that every worker writes its own items to.
 *
 * @typeParam X - Item type written.
 * @category Outputs
 * @example
 * ```ts
 * class LogSink extends DynamicSink<unknown> {
 *   build() { return new LogPartition(); }
 * }
 * ```
 */
export abstract class DynamicSink<X> {
  /**
   * Build this worker's partition.
   *
   * @param stepId - Full id of the output step.
   * @param workerIndex - This worker's index.
   * @param workerCount - How many workers run the flow.
   */
  abstract build(
    stepId: string,
    workerIndex: number,
    workerCount: number,
  ): StatelessSinkPartition<X> | Promise<StatelessSinkPartition<X>>;
}

/**
 * @internal A {@link DynamicSink} that asks to be written as a fixed-partitioned
 * sink (a Kafka sink in transactional mode: a transactional id per
 * partition, stable across rescaling). `op.output` then routes each item by
 * `key(item)` to the partition `sink.partFn(key)` picks, and writes the item
 * itself (not a `[key, value]` pair).
 */
export interface PartitionedView<X> {
  readonly sink: FixedPartitionedSink<X, unknown>;
  key(item: X): string;
}

/** @internal The method a {@link DynamicSink} defines to offer a {@link PartitionedView}. */
export const partitionedView: unique symbol = Symbol("sluice.partitionedView");

/** @internal The view `sink` offers, if any. */
export function partitionedViewOf(sink: unknown): PartitionedView<unknown> | undefined {
  if (typeof sink !== "object" || sink === null) return undefined;
  const get = (sink as { [partitionedView]?: unknown })[partitionedView];
  return typeof get === "function" ? ((get as () => PartitionedView<unknown> | undefined).call(sink) ?? undefined) : undefined;
}

/**
 * Anything `op.output` accepts.
 *
 * @typeParam X - Item type (for a fixed-partitioned sink, the value type).
 * @category Outputs
 */
export type Sink<X> = FixedPartitionedSink<X, any> | DynamicSink<X>;

/** @internal Whether `sink` follows the fixed-partitioned contract. */
export function isFixedPartitionedSink(sink: unknown): sink is FixedPartitionedSink<unknown, unknown> {
  return (
    typeof sink === "object" &&
    sink !== null &&
    typeof (sink as FixedPartitionedSink<unknown, unknown>).listParts === "function" &&
    typeof (sink as FixedPartitionedSink<unknown, unknown>).buildPart === "function"
  );
}

/** @internal Whether `sink` follows the dynamic contract. */
export function isDynamicSink(sink: unknown): sink is DynamicSink<unknown> {
  return typeof sink === "object" && sink !== null && typeof (sink as DynamicSink<unknown>).build === "function";
}

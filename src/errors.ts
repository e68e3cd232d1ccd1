/**
 * One error hierarchy for everything a user of Sluice can see.
 *
 * Every error names where it happened (step, key, partition) and keeps the
 * original error as `cause`.
 *
 * @module
 */

/**
 * Base class of every error Sluice throws on purpose.
 *
 * @category Errors
 * @example
 * ```ts
 * try {
 *   await runMain(flow);
 * } catch (err) {
 *   if (err instanceof DataflowError) console.error(err.message);
 * }
 * ```
 */
export class DataflowError extends Error {
  /**
   * @param message - What went wrong and where.
   * @param options - `cause`: the original error, if any.
   */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * A dataflow was defined or built wrongly: a bad step id, a duplicate id, an
 * argument that is not a stream, a flow without input or output. Thrown
 * synchronously where the mistake is made, or by `runMain` before any item is
 * read for mistakes only visible once the whole flow is known.
 *
 * @category Errors
 * @example
 * ```ts
 * const flow = new Dataflow("f");
 * const s = flow.input("in", new TestingSource([1]));
 * s.map("in", (x) => x); // BuildError: step 'f.in' already exists
 * ```
 */
export class BuildError extends DataflowError {}

/** Where a {@link StepError} happened. @category Errors */
export interface StepErrorContext {
  /** Full id of the step, like `"orders.parse"`. */
  stepId: string;
  /** The key being processed, for keyed steps. */
  key?: string | undefined;
  /** The source or sink partition, for input and output steps. */
  partition?: string | undefined;
  /** The epoch of the batch being processed. */
  epoch?: number | undefined;
  /** The original error. */
  cause?: unknown;
}

/**
 * User code (a mapper, a predicate, a source or sink partition, a stateful
 * logic) failed while the dataflow ran. The run stops; `runMain` rejects with
 * this error.
 *
 * @category Errors
 * @example
 * ```ts
 * const flow = new Dataflow("orders");
 * flow
 *   .input("in", new TestingSource(["1", "x"]))
 *   .map("parse", (s) => { if (s === "x") throw new Error("bad"); return Number(s); })
 *   .output("out", new TestingSink([]));
 * await runMain(flow);
 * // rejects: StepError: error calling `mapper` in step 'orders.parse': bad
 * ```
 */
export class StepError extends DataflowError {
  /** Full id of the step that failed. */
  readonly stepId: string;
  /** The key being processed, if the step is keyed. */
  readonly key: string | undefined;
  /** The partition being read or written, for input and output steps. */
  readonly partition: string | undefined;
  /** The epoch being processed, when known. */
  readonly epoch: number | undefined;

  /**
   * @param message - What was called and where.
   * @param context - Step, key, partition, epoch and the original error.
   */
  constructor(message: string, context: StepErrorContext) {
    super(message, { cause: context.cause });
    this.stepId = context.stepId;
    this.key = context.key;
    this.partition = context.partition;
    this.epoch = context.epoch;
  }
}

/**
 * A connector failed to reach or use an external system.
 *
 * @category Errors
 * @example
 * ```ts
 * throw new ConnectorError("broker 127.0.0.1:9092 refused the connection", { retriable: true });
 * ```
 */
export class ConnectorError extends DataflowError {
  /** Whether trying again later may succeed. */
  readonly retriable: boolean;

  /**
   * @param message - What failed.
   * @param options - `retriable` (default `false`) and the original `cause`.
   */
  constructor(message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.retriable = options.retriable ?? false;
  }
}

/**
 * Thrown by a source partition's `nextBatch` to stop the run. `runMain`
 * resolves normally; the epoch in progress is not snapshotted, so a resumed
 * run replays it (this is how tests simulate a crash).
 *
 * @category Inputs
 * @example
 * ```ts
 * class Once implements StatelessSourcePartition<number> {
 *   nextBatch(): number[] { throw new AbortExecution(); }
 * }
 * ```
 */
export class AbortExecution extends DataflowError {
  /** @param message - Why the run is aborted. */
  constructor(message = "execution aborted") {
    super(message);
  }
}

/** @internal Short, safe description of a value's type for error messages. */
export function describeType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return `array of length ${value.length}`;
  const t = typeof value;
  if (t !== "object") return t;
  const ctor = (value as object).constructor;
  return ctor && ctor !== Object ? `${ctor.name} instance` : "object";
}

/** @internal A message fragment naming the original error. */
export function causeText(cause: unknown): string {
  if (cause instanceof Error) return `${cause.name === "Error" ? "" : cause.name + ": "}${cause.message}`;
  return String(cause);
}

/**
 * Base of the errors about a recovery directory, thrown by `runMain` (and
 * `sluice run -r`) before any item is read.
 *
 * @category Errors
 * @example
 * ```ts
 * try {
 *   await runMain(flow, { recovery: new RecoveryConfig("state/") });
 * } catch (err) {
 *   if (err instanceof RecoveryError) console.error("fix the recovery directory:", err.message);
 * }
 * ```
 */
export class RecoveryError extends DataflowError {}

/**
 * The recovery directory holds no partitions (or does not exist): run
 * `sluice recovery init <dir> <count>` (or `initDbDir`) first.
 *
 * @category Errors
 * @example
 * ```ts
 * await runMain(flow, { recovery: new RecoveryConfig("empty-dir/") });
 * // rejects: NoPartitionsError: recovery directory 'empty-dir/' has no partitions ...
 * ```
 */
export class NoPartitionsError extends RecoveryError {}

/**
 * Some partitions of the recovery directory are missing: resuming without
 * them would lose state.
 *
 * @category Errors
 * @example
 * ```ts
 * // part-1.sqlite3 of 3 was deleted
 * await runMain(flow, { recovery }); // rejects: MissingPartitionsError: ... missing partitions 1 of 3
 * ```
 */
export class MissingPartitionsError extends RecoveryError {}

/**
 * The partitions do not belong together, or one was restored from a backup
 * too old to resume from without losing data (older than the backup interval
 * allows).
 *
 * @category Errors
 * @example
 * ```ts
 * // part-0.sqlite3 replaced by a copy from an hour ago, backupInterval 0
 * await runMain(flow, { recovery }); // rejects: InconsistentPartitionsError: ...
 * ```
 */
export class InconsistentPartitionsError extends RecoveryError {}

/** What is wrong with a recovery partition file, in words (see {@link PartitionFileError}). @category Errors */
export type PartitionFileProblem =
  | "read-only"
  | "permission denied"
  | "disk full"
  | "not a recovery file"
  | "corrupt"
  | "locked"
  | "I/O error"
  | "other";

/**
 * A recovery partition file (or the recovery directory) cannot be read or
 * written: it is read-only, not accessible (permission denied), the disk is
 * full, it is not a recovery file (garbage or another file in its place),
 * it is corrupt, or another process holds it locked. The message names the
 * file, says which in words and what to do; `cause` is the SQLite or file
 * system error. Thrown by `runMain`/`cliMain` (before any item is read when
 * the files cannot be opened, at an epoch close when a commit fails) and by
 * `initDbDir`.
 *
 * @category Errors
 * @example
 * ```ts
 * // part-0.sqlite3 overwritten with something else
 * await runMain(flow, { recovery }); // rejects:
 * // PartitionFileError: recovery partition file state/part-0.sqlite3 is not a recovery file
 * // (SQLite: file is not a database): ... Restore it from a backup ...
 * ```
 */
export class PartitionFileError extends RecoveryError {
  /** The partition file (or the recovery directory, when it cannot be listed). */
  readonly file: string;
  /** What is wrong with it. */
  readonly problem: PartitionFileProblem;

  /**
   * @param message - What failed, on which file, and what to do.
   * @param options - The file, the problem and the original error.
   */
  constructor(message: string, options: { file: string; problem: PartitionFileProblem; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.file = options.file;
    this.problem = options.problem;
  }
}

/**
 * A stored snapshot does not match its checksum: a byte of the recovery
 * directory changed after Sluice wrote it (a failing disk, a bad copy, a
 * hand edit). Resuming from it would give silently wrong output, so the run
 * fails before any item is read or anything is written downstream. The
 * message and the fields name the partition file, the step, the key (or
 * source/sink partition) and the epoch of the snapshot. Restore the
 * directory, every partition from the same backup, and start the run again;
 * `sluice recovery verify DIR` checks every stored row.
 *
 * @category Errors
 * @example
 * ```ts
 * // a byte of key 'k1's snapshot in state/part-0.sqlite3 changed on disk
 * await runMain(flow, { recovery }); // rejects:
 * // CorruptStateError: recovery partition file state/part-0.sqlite3: the snapshot of step 'f.count'
 * // for key 'k1' at epoch 3 does not match its checksum ... Restore the recovery directory from a backup ...
 * ```
 */
export class CorruptStateError extends RecoveryError {
  /** The partition file holding the snapshot. */
  readonly file: string;
  /** The core step the snapshot belongs to (`flow.step.substep`). */
  readonly stepId: string;
  /** The key, or the source or sink partition, whose snapshot it is. */
  readonly stateKey: string;
  /** The epoch the snapshot was taken at. */
  readonly epoch: number;

  /**
   * @param message - What failed its checksum, where, and what to do.
   * @param options - The file, step, key and epoch of the snapshot.
   */
  constructor(message: string, options: { file: string; stepId: string; stateKey: string; epoch: number; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.file = options.file;
    this.stepId = options.stepId;
    this.stateKey = options.stateKey;
    this.epoch = options.epoch;
  }
}

/**
 * A value cannot cross worker threads: a function, a symbol, a class
 * instance whose class is not registered, a `WeakMap`, a `Promise`... With
 * several workers (`sluice run -w 2`), items routed to another worker (by key
 * before a stateful step, by `redistribute`, to a fixed sink partition) are
 * encoded to bytes; this is thrown for what would not arrive intact. The
 * message names the item's path and the offending type. It is a `TypeError`:
 * the same item fails the same way every time, so never retry it.
 *
 * @category Errors
 * @example
 * ```ts
 * class Money { constructor(readonly cents: number) {} }
 * // an item [ "u1", { price: new Money(5) } ] routed to another worker:
 * // ExchangeValueError: cannot send a Money instance at items[0][1].price across workers: ...
 * // fix: new Dataflow("shop", { exchangeClasses: [Money] })
 * ```
 */
export class ExchangeValueError extends TypeError {
  /**
   * @param message - What cannot cross, where, and what to do instead.
   * @param options - `cause`: the original error, if any.
   */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ExchangeValueError";
  }
}

/**
 * @internal A failure the CLI reports as a message and an exit code, without
 * a stack trace: 2 for a bad command line or flow target, 1 for a failure.
 */
export class CliError extends Error {
  /** The process exit code to report. */
  readonly exitCode: number;
  /** The command whose `--help` to point at, for usage errors. */
  readonly command: string | undefined;

  /**
   * @param message - What is wrong, naming the argument or file.
   * @param options - Exit code (default 2), command, and the original error.
   */
  constructor(message: string, options: { exitCode?: number; command?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = "CliError";
    this.exitCode = options.exitCode ?? 2;
    this.command = options.command;
  }
}

/** Something with a constructor taking a message and an options bag (every class below). */
type ErrorClass = new (message: string, options: Record<string, unknown>) => Error;

/**
 * @internal Every error class of Sluice's, by name: how an error sent from a
 * worker thread as plain data gets its class back. Each takes `(message,
 * options)`, where `options` holds `cause` and the class's own fields.
 */
export const ERROR_CLASSES: ReadonlyMap<string, ErrorClass> = new Map(
  (
    [
      DataflowError,
      BuildError,
      StepError,
      ConnectorError,
      AbortExecution,
      RecoveryError,
      NoPartitionsError,
      MissingPartitionsError,
      InconsistentPartitionsError,
      PartitionFileError,
      CorruptStateError,
      ExchangeValueError,
      CliError,
    ] as unknown as ErrorClass[]
  ).map((c) => [c.name, c]),
);

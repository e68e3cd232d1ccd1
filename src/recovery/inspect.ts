/**
 * What a recovery directory holds, for `sluice recovery inspect`: its
 * partitions, executions, commits and stored state, read without changing
 * anything, and compared with a flow's steps when one is given.
 *
 * @module
 * @internal
 */
import { statSync } from "node:fs";
import { basename } from "node:path";
import Database from "better-sqlite3";
import { CliError, DataflowError } from "../errors.js";
import { listPartitionFiles, partitionFile } from "./initDbDir.js";
import { directoryFailure, partitionFailure } from "./partitionFailure.js";
import { notARecoveryFile, SCHEMA_VERSION, type Db } from "./schema.js";
import { partitionProgress, type PartitionProgress } from "./store.js";
import { formatBytes } from "./formatRecoveryReport.js";

/** @internal One partition file. */
export interface PartitionReport {
  /** Partition number (the `N` of `part-N.sqlite3`). */
  readonly index: number;
  /** Its path. */
  readonly file: string;
  /** Size of the file, in bytes. */
  readonly bytes: number;
  /** Size of its `-wal` file (commits not yet copied into the file), in bytes; 0 when there is none. */
  readonly walBytes: number;
  /** Its newest commit row: the epoch and when it was committed (the run's clock, ISO 8601), or `null`. */
  readonly lastCommit: { readonly epoch: number; readonly at: string } | null;
  /**
   * The first epoch not durable in this file. A partition ahead of the
   * others (after a crash mid-commit) has its extra epochs replayed.
   */
  readonly resumeEpoch: number;
  /** Superseded snapshots were deleted up to this epoch (0: never), after the backup interval. */
  readonly gcEpoch: number;
}

/** @internal One execution (a run on the directory), as its partitions record it. */
export interface ExecutionReport {
  /** Execution number: 1 for the first run, and so on. */
  readonly number: number;
  /** Worker count of the run. */
  readonly workers: number;
  /** The epoch it started at (1: from scratch). */
  readonly resumeEpoch: number;
  /** When it started (ISO 8601). */
  readonly startedAt: string;
  /** The first epoch it did not commit in every partition (`resumeEpoch` when it committed nothing). */
  readonly frontier: number;
}

/** @internal The state stored for one core step. */
export interface StepReport {
  /** The core step's id, as snapshots are stored: `flow.step.substep`. */
  readonly stepId: string;
  /** Keys (or source and sink partitions) a run would restore: newest snapshot before the resume epoch, not discarded. */
  readonly keys: number;
  /** Bytes of those snapshots. */
  readonly bytes: number;
  /** Snapshot rows stored, superseded ones (kept for the backup interval) and discards included. */
  readonly snapshots: number;
  /** Bytes of all those rows. */
  readonly snapshotBytes: number;
}

/** @internal A flow's steps that keep state, to compare the stored steps with. */
export interface FlowSteps {
  readonly flowId: string;
  /** Ids of its core steps that store state (`stateStepIds`). */
  readonly stepIds: readonly string[];
}

/**
 * @internal Everything `sluice recovery inspect` reports; `--json` prints it
 * as it is. Absent values are `null`, not `undefined`, so every field is in
 * the JSON.
 */
export interface RecoveryReport {
  /** The directory, as given. */
  readonly directory: string;
  /** Schema version of the partition files. */
  readonly schemaVersion: number;
  /** Partition count recorded at `recovery init`. */
  readonly partitionCount: number;
  /** When the directory was initialised (ISO 8601), or `null` if no file says. */
  readonly createdAt: string | null;
  /** Where a run started now resumes: every epoch before it is committed in every partition. */
  readonly resumeEpoch: number;
  /** The newest epoch committed everywhere (`resumeEpoch - 1`) and when, or `null` when none is. */
  readonly lastCommit: { readonly epoch: number; readonly at: string | null } | null;
  readonly partitions: readonly PartitionReport[];
  /** Oldest first. */
  readonly executions: readonly ExecutionReport[];
  /** By step id. */
  readonly steps: readonly StepReport[];
  /** The flow compared with, or `null`. */
  readonly flow: FlowSteps | null;
  /** Problems found, one sentence each: the directory's, and stored steps the flow does not have. */
  readonly warnings: readonly string[];
}

/** @internal A partition file open for reading, with what phase one read from it. */
export interface Opened {
  readonly index: number;
  readonly file: string;
  readonly db: Db;
  /** Its schema version: {@link SCHEMA_VERSION}, or older (a run migrates it). */
  readonly version: number;
  readonly part: { part_index: number; part_count: number; dir_id: string; created_at: string } | undefined;
  readonly progress: PartitionProgress;
}

/**
 * @internal Read what the recovery directory `dir` holds. Opens each
 * partition read-only, inside one read transaction, and never migrates or
 * writes (SQLite may create the empty `-wal` and `-shm` files a reader of a
 * WAL database needs). Each file is read as of one moment, so a directory a
 * run is writing to reads consistently per file.
 *
 * A directory a run would refuse (missing partitions, partitions of another
 * directory, a partition restored from too old a backup) is reported, with
 * the error the run would fail with, in `warnings`.
 *
 * @param dir - The recovery directory.
 * @param flow - A flow to compare the stored steps with: a stored step with
 *   live keys that the flow does not have is a warning (its state is ignored).
 * @returns The report.
 * @throws {@link CliError} (exit code 1) naming the directory or file when
 *   the directory does not exist or has no partitions, or a partition file
 *   cannot be read or is not a recovery file.
 */
export function inspectRecovery(dir: string, flow?: FlowSteps): RecoveryReport {
  const found = partitionFiles(dir);
  const opened: Opened[] = [];
  try {
    for (const index of found) opened.push(openForReading(index, partitionFile(dir, index)));
    const warnings = consistencyWarnings(dir, opened);
    const resumeEpoch = Math.min(...opened.map((o) => o.progress.frontier));
    for (const o of opened) {
      if (o.version < SCHEMA_VERSION) {
        warnings.push(
          `${basename(o.file)} has schema version ${o.version} (written by an older Sluice): the next run migrates it to version ${SCHEMA_VERSION}`,
        );
      }
    }
    const partitions = opened.map((o) => reading(o, () => partitionReport(o)));
    const steps = stepReports(opened, resumeEpoch);
    const first = opened.find((o) => o.part !== undefined)?.part;
    const lastEpoch = resumeEpoch - 1;
    const lastAt = lastEpoch < 1 ? null : commitTime(opened, lastEpoch);
    if (flow !== undefined) warnings.push(...flowWarnings(steps, flow));
    return {
      directory: dir,
      schemaVersion: Math.min(...opened.map((o) => o.version)),
      partitionCount: first?.part_count ?? opened.length,
      createdAt: first?.created_at ?? null,
      resumeEpoch,
      lastCommit: lastEpoch < 1 ? null : { epoch: lastEpoch, at: lastAt },
      partitions,
      executions: executionReports(opened),
      steps,
      flow: flow === undefined ? null : { flowId: flow.flowId, stepIds: [...flow.stepIds] },
      warnings,
    };
  } finally {
    for (const o of opened) o.db.close();
  }
}

/**
 * @internal What a run would refuse in the partitions `opened` of `dir`, one
 * sentence each: partitions missing, of another directory, or restored from
 * too old a backup.
 */
export function consistencyWarnings(dir: string, opened: readonly Opened[]): string[] {
  const warnings = directoryWarnings(dir, opened);
  const resumeEpoch = Math.min(...opened.map((o) => o.progress.frontier));
  // The check RecoveryStore makes once the partitions are all there and of one directory (else a run fails on that first).
  const oneDirectory = warnings.length === 0;
  opened.forEach((o) => {
    if (oneDirectory && o.progress.gcEpoch >= resumeEpoch) {
      warnings.push(
        `partition ${o.index} already discarded snapshots up to epoch ${o.progress.gcEpoch}, but the directory resumes at ` +
          `epoch ${resumeEpoch}: a partition was probably restored from a backup older than the backup interval; ` +
          "a run fails with InconsistentPartitionsError. Restore all partitions from the same backup",
      );
    }
  });
  return warnings;
}

/** @internal The partition numbers in `dir`, ascending; a missing or empty directory is a `CliError` (exit code 1). */
export function partitionFiles(dir: string): number[] {
  let isDir: boolean;
  try {
    isDir = statSync(dir).isDirectory();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") throw new CliError(`recovery directory '${dir}' does not exist`, { exitCode: 1 });
    throw asCliError(directoryFailure(dir, err));
  }
  if (!isDir) throw new CliError(`recovery directory '${dir}' is not a directory`, { exitCode: 1 });
  let files: Map<number, string>;
  try {
    files = listPartitionFiles(dir);
  } catch (err) {
    throw asCliError(directoryFailure(dir, err));
  }
  if (files.size === 0) {
    throw new CliError(`recovery directory '${dir}' has no partitions (no part-<n>.sqlite3 files); \`sluice recovery init\` creates them`, {
      exitCode: 1,
    });
  }
  return [...files.keys()].sort((a, b) => a - b);
}

/**
 * @internal Open partition file `file` read-only, check it is a recovery
 * file, and read its identity and progress, inside one read transaction.
 * @throws CliError (exit code 1) naming the file.
 */
export function openForReading(index: number, file: string): Opened {
  let db: Db | undefined;
  try {
    // Checked before SQLite sees it: an empty file reads as an empty database.
    if (statSync(file).size === 0) throw notARecoveryFile(file, "it is empty");
    db = new Database(file, { readonly: true, fileMustExist: true });
    db.pragma("busy_timeout = 5000");
    const version = db.pragma("user_version", { simple: true }) as number;
    if (version === 0) throw notARecoveryFile(file, "it is an SQLite database without Sluice's tables");
    if (version > SCHEMA_VERSION) {
      throw new CliError(
        `recovery partition file ${file} has schema version ${version}, newer than this Sluice reads (${SCHEMA_VERSION}): ` +
          "use the Sluice that wrote it",
        { exitCode: 1 },
      );
    }
    // Every read below sees the file as of one moment, even while a run commits.
    db.exec("BEGIN");
    const part = db.prepare("SELECT part_index, part_count, dir_id, created_at FROM parts").get() as Opened["part"];
    return { index, file, db, version, part, progress: partitionProgress(db) };
  } catch (err) {
    db?.close();
    throw asCliError(partitionFailure(file, err));
  }
}

/** Run `read` on partition `o`, naming its file if it fails. */
function reading<T>(o: Opened, read: () => T): T {
  try {
    return read();
  } catch (err) {
    throw asCliError(partitionFailure(o.file, err));
  }
}

/** @internal Sluice's errors about the directory as a `CliError` with their message (exit code 1); others as they are. */
export function asCliError(err: unknown): unknown {
  if (err instanceof CliError) return err;
  if (err instanceof DataflowError) return new CliError(err.message, { exitCode: 1 });
  return err;
}

/** What a run would refuse: partitions missing, beyond the count, of another directory, or holding another partition. */
function directoryWarnings(dir: string, opened: readonly Opened[]): string[] {
  const warnings: string[] = [];
  const reference = opened.find((o) => o.part !== undefined);
  for (const o of opened) {
    const name = basename(o.file);
    if (o.part === undefined) {
      warnings.push(`${name} records no partition (an interrupted \`recovery init\`?): a run fails with InconsistentPartitionsError`);
    } else if (o.part.part_index !== o.index) {
      warnings.push(`${name} holds partition ${o.part.part_index}, not ${o.index}: a run fails with InconsistentPartitionsError`);
    } else if (o.part.dir_id !== reference!.part!.dir_id || o.part.part_count !== reference!.part!.part_count) {
      warnings.push(
        `${name} belongs to another recovery directory than ${basename(reference!.file)}: a run fails with InconsistentPartitionsError`,
      );
    }
  }
  if (reference === undefined) return warnings;
  const count = reference.part!.part_count;
  const have = new Set(opened.map((o) => o.index));
  const missing = [...Array(count).keys()].filter((i) => !have.has(i));
  if (missing.length > 0) {
    warnings.push(
      `partition${missing.length === 1 ? "" : "s"} ${missing.join(", ")} of ${count} ${missing.length === 1 ? "is" : "are"} missing ` +
        `from ${dir}: a run fails with MissingPartitionsError; restore ${missing.length === 1 ? "it" : "them"} from a backup`,
    );
  }
  const extra = opened.filter((o) => o.index >= count).map((o) => o.index);
  if (extra.length > 0) {
    warnings.push(`partitions ${extra.join(", ")} are beyond the directory's ${count}: a run fails with InconsistentPartitionsError`);
  }
  return warnings;
}

function partitionReport(o: Opened): PartitionReport {
  const last = o.db.prepare("SELECT commit_epoch AS e, committed_at AS t FROM commits ORDER BY commit_epoch DESC LIMIT 1").get() as
    | { e: number; t: number }
    | undefined;
  return {
    index: o.index,
    file: o.file,
    bytes: statSync(o.file).size,
    walBytes: sizeOrZero(`${o.file}-wal`),
    lastCommit: last === undefined ? null : { epoch: last.e, at: isoTime(last.t) },
    resumeEpoch: o.progress.frontier,
    gcEpoch: o.progress.gcEpoch,
  };
}

/** When `epoch` was committed, from the first partition that still has its commit row. */
function commitTime(opened: readonly Opened[], epoch: number): string | null {
  for (const o of opened) {
    const row = reading(o, () => o.db.prepare("SELECT committed_at AS t FROM commits WHERE commit_epoch = ?").get(epoch)) as
      | { t: number }
      | undefined;
    if (row !== undefined) return isoTime(row.t);
  }
  return null;
}

/** The executions of every partition, merged by number; the frontier is the lowest any partition reached. */
function executionReports(opened: readonly Opened[]): ExecutionReport[] {
  const byNumber = new Map<number, ExecutionReport>();
  for (const o of opened) {
    const rows = reading(o, () =>
      o.db
        .prepare(
          `SELECT exs.ex_num AS n, worker_count AS w, resume_epoch AS r, started_at AS s, MIN(worker_frontier) AS f
             FROM exs LEFT JOIN fronts ON fronts.ex_num = exs.ex_num GROUP BY exs.ex_num`,
        )
        .all(),
    ) as { n: number; w: number; r: number; s: string; f: number | null }[];
    for (const row of rows) {
      const frontier = row.f ?? row.r;
      const seen = byNumber.get(row.n);
      if (seen === undefined || frontier < seen.frontier) {
        byNumber.set(row.n, { number: row.n, workers: row.w, resumeEpoch: row.r, startedAt: row.s, frontier });
      }
    }
  }
  return [...byNumber.values()].sort((a, b) => a.number - b.number);
}

/** Per step: the live keys a run would restore, and every snapshot row stored. */
function stepReports(opened: readonly Opened[], resumeEpoch: number): StepReport[] {
  const steps = new Map<string, { keys: number; bytes: number; snapshots: number; snapshotBytes: number }>();
  const step = (id: string) => {
    let s = steps.get(id);
    if (s === undefined) steps.set(id, (s = { keys: 0, bytes: 0, snapshots: 0, snapshotBytes: 0 }));
    return s;
  };
  for (const o of opened) {
    reading(o, () => {
      // The rows RecoveryStore.loadStates restores: each key's newest before the resume epoch, unless a discard.
      const live = o.db
        .prepare(
          `SELECT step_id AS id, COUNT(*) AS n, TOTAL(LENGTH(ser_change)) AS b FROM (
             SELECT step_id, ser_change, MAX(snap_epoch) FROM snaps WHERE snap_epoch < ? GROUP BY step_id, state_key
           ) WHERE ser_change IS NOT NULL GROUP BY step_id`,
        )
        .all(resumeEpoch) as { id: string; n: number; b: number }[];
      const all = o.db
        .prepare("SELECT step_id AS id, COUNT(*) AS n, TOTAL(LENGTH(ser_change)) AS b FROM snaps GROUP BY step_id")
        .all() as { id: string; n: number; b: number }[];
      for (const r of all) {
        const s = step(r.id);
        s.snapshots += r.n;
        s.snapshotBytes += r.b;
      }
      for (const r of live) {
        const s = step(r.id);
        s.keys += r.n;
        s.bytes += r.b;
      }
    });
  }
  return [...steps]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([stepId, s]) => ({ stepId, ...s }));
}

/** A warning per stored step with live keys that `flow` does not have: its state is ignored. */
function flowWarnings(steps: readonly StepReport[], flow: FlowSteps): string[] {
  const known = new Set(flow.stepIds);
  const stored = new Set(steps.filter((s) => s.keys > 0).map((s) => s.stepId));
  const unstored = flow.stepIds.filter((id) => !stored.has(id));
  const hint = unstored.length === 0 ? "" : ` Steps of the flow with no stored state: ${unstored.map((id) => `'${id}'`).join(", ")}.`;
  return steps
    .filter((s) => s.keys > 0 && !known.has(s.stepId))
    .map(
      (s) =>
        `step '${s.stepId}' has ${s.keys} stored key${s.keys === 1 ? "" : "s"} (${formatBytes(s.bytes)}) but flow ` +
        `'${flow.flowId}' has no such step: was it renamed? Its state is ignored.${hint}`,
    );
}

function sizeOrZero(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** A commit time (ms on the run's clock) as ISO 8601; a time a `Date` cannot hold, as the number. */
function isoTime(ms: number): string {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? String(ms) : date.toISOString();
}

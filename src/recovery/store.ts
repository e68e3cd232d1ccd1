/**
 * `RecoveryStore`: validates a recovery directory, works out where to resume,
 * loads the states to resume from, and writes each epoch's snapshots.
 *
 * Progress model. Every partition file records, in the same transaction as
 * the snapshots it stores for an epoch, the frontier of every worker of the
 * current execution (`fronts`) and a commit row for that epoch (`commits`),
 * whether or not any of its keys changed. So each partition alone says up to
 * which epoch it is durable: the resume epoch is the lowest frontier of any
 * partition's last execution. Garbage collection only ever deletes snapshots
 * superseded at an epoch committed in *every* partition, and each partition
 * records how far it collected (`gc_epoch`): a partition restored from an
 * older backup shows a lower frontier than another's `gc_epoch`, which is
 * detected whatever keys it holds.
 *
 * Cost model. A commit costs what changed in its epoch, never what is
 * stored: snapshots are inserted many rows per statement, and garbage
 * collection reaches, through the `snap_epoch` index, only the rows written
 * since the partition last collected (`gc_epoch`, exclusive, up to the
 * horizon), then each one's older rows of the same key through the primary
 * key. Starting an execution deletes the void epochs through the same index.
 *
 * Checksums. Every snapshot, `fronts` and `commits` row carries the CRC-32 of
 * its values (see `checksum.ts`). Progress rows are checked when a directory
 * is opened, the snapshots a run resumes from when they are loaded: a
 * mismatch is a `CorruptStateError` (a snapshot) or a `PartitionFileError`
 * with problem `corrupt` (a progress row), before any item is read.
 *
 * @module
 * @internal
 */
import { statSync } from "node:fs";
import { dirname } from "node:path";
import type { Statement } from "better-sqlite3";
import { CorruptStateError, InconsistentPartitionsError, MissingPartitionsError, NoPartitionsError, PartitionFileError } from "../errors.js";
import { stableHash } from "../internal/hash.js";
import type { RecoveryConfig } from "./config.js";
import { openPartition, type Db } from "./schema.js";
import { listPartitionFiles, partitionFile } from "./initDbDir.js";
import { directoryFailure, onPartitionFile, restoreAdvice } from "./partitionFailure.js";
import { commitCrc, frontCrc, snapCrc } from "./checksum.js";

/** @internal One snapshot to write: `bytes` null marks a discarded key. */
export interface SnapshotWrite {
  readonly stepId: string;
  readonly stateKey: string;
  readonly bytes: Uint8Array | null;
}

interface Partition {
  readonly index: number;
  /** The partition file, for error messages. */
  readonly file: string;
  readonly db: Db;
  /** Inserts {@link ROWS_PER_INSERT} snapshots. */
  readonly upsertMany: Statement;
  readonly upsert: Statement;
  readonly advance: Statement;
  readonly collectSuperseded: Statement;
  readonly collectDiscards: Statement;
  readonly collectCommits: Statement;
  readonly commit: Statement;
  gcEpoch: number;
}

/** @internal How far one partition file got, as its own tables say. */
export interface PartitionProgress {
  /** The newest execution it records (0: none yet). */
  readonly lastExecution: number;
  /**
   * The lowest frontier of any worker of that execution: the first epoch
   * not durable in this file (1 when nothing is). The directory resumes at
   * the lowest of its partitions'.
   */
  readonly frontier: number;
  /** How far it collected superseded snapshots (0: never). */
  readonly gcEpoch: number;
}

/**
 * @internal Read a partition's progress. The one place that says how a
 * resume epoch is derived, for the store and for `sluice recovery inspect`.
 * Throws SQLite's error; callers name the file.
 */
export function partitionProgress(db: Db): PartitionProgress {
  const ex = (db.prepare("SELECT MAX(ex_num) AS ex FROM exs").get() as { ex: number | null }).ex;
  const frontier = ex === null
    ? 1
    : (db.prepare("SELECT MIN(worker_frontier) AS f FROM fronts WHERE ex_num = ?").get(ex) as { f: number | null }).f ?? 1;
  const gcEpoch = (db.prepare("SELECT MAX(gc_epoch) AS g FROM commits").get() as { g: number | null }).g ?? 0;
  return { lastExecution: ex ?? 0, frontier, gcEpoch };
}

/** @internal A progress row (`fronts`, `commits`) that does not match its checksum, in words. */
export function progressMismatches(db: Db): string[] {
  const found: string[] = [];
  const fronts = db.prepare("SELECT ex_num, worker_index, worker_frontier, crc FROM fronts").raw(true).all() as [number, number, number, number | null][];
  for (const [ex, w, f, crc] of fronts) {
    if (crc !== frontCrc(ex, w, f)) found.push(`the frontier of worker ${w} of execution ${ex} (epoch ${f}) does not match its checksum`);
  }
  const commits = db.prepare("SELECT commit_epoch, committed_at, gc_epoch, crc FROM commits").raw(true).all() as [number, number, number, number | null][];
  for (const [e, at, gc, crc] of commits) {
    if (crc !== commitCrc(e, at, gc)) found.push(`the commit row of epoch ${e} does not match its checksum`);
  }
  return found;
}

/** @internal The error for a partition file whose progress rows fail their checksums. */
export function corruptProgress(file: string, found: readonly string[]): PartitionFileError {
  return new PartitionFileError(
    `recovery partition file ${file} is corrupt: ${found.join("; ")}. Where this run would resume cannot be trusted. ${restoreAdvice(file)}`,
    { file, problem: "corrupt" },
  );
}

/** @internal The error for a snapshot that does not match its checksum. */
export function corruptSnapshot(file: string, stepId: string, stateKey: string, epoch: number): CorruptStateError {
  return new CorruptStateError(
    `recovery partition file ${file}: the snapshot of step '${stepId}' for key '${stateKey}' at epoch ${epoch} does not match ` +
      "its checksum: the file changed after Sluice wrote it (a failing disk, a bad copy, an edit), and resuming from it would give " +
      "wrong output, so nothing was read or written. Restore the recovery directory (every partition, with its -wal file) from " +
      "one backup and run again; outputs after that backup's last epoch are produced again. " +
      `\`sluice recovery verify ${dirname(file)}\` lists every damaged row`,
    { file, stepId, stateKey, epoch },
  );
}

/**
 * @internal The statements of the commit path (and of the start of an
 * execution), besides the snapshot inserts: none may scan `snaps`, which a
 * test checks on their query plans.
 */
export const COMMIT_SQL = {
  /** Snapshots and commits of epochs that never committed everywhere are void. */
  voidSnaps: "DELETE FROM snaps WHERE snap_epoch >= ?",
  voidCommits: "DELETE FROM commits WHERE commit_epoch >= ?",
  advance: "UPDATE fronts SET worker_frontier = @f, crc = sluice_front_crc(ex_num, worker_index, @f) WHERE ex_num = @ex",
  commit: "INSERT OR REPLACE INTO commits (commit_epoch, committed_at, gc_epoch, crc) VALUES (?, ?, ?, ?)",
  /**
   * The rows superseded by a row written after the last collection (`@lo`,
   * exclusive) up to the horizon (`@hi`): each key's newest row of that
   * window through the snap_epoch index, then its older rows through the
   * primary key. (Joining every window row with its older rows instead lists
   * a row once per newer row: W5's 10,000 keys rewritten every 0.1 s made
   * that a quarter slower.)
   */
  collectSuperseded: `DELETE FROM snaps WHERE rowid IN (
      SELECT older.rowid FROM (
          SELECT step_id, state_key, MAX(snap_epoch) AS e FROM snaps INDEXED BY snaps_by_epoch
          WHERE snap_epoch > @lo AND snap_epoch <= @hi GROUP BY step_id, state_key) AS newest
        JOIN snaps AS older ON older.step_id = newest.step_id AND older.state_key = newest.state_key AND older.snap_epoch < newest.e)`,
  /** A discard written in the same window: nothing older of its key is left. */
  collectDiscards: "DELETE FROM snaps WHERE snap_epoch > @lo AND snap_epoch <= @hi AND ser_change IS NULL",
  collectCommits: "DELETE FROM commits WHERE commit_epoch < ?",
} as const;

/** Snapshots per INSERT statement: one statement per row costs more than the row. */
const ROWS_PER_INSERT = 200;

/** How often superseded snapshots are collected, at most. */
const GC_EVERY_MS = 1_000;

/** @internal An open recovery directory, for one execution. */
export class RecoveryStore {
  /** The first epoch of this execution: everything before it is restored. */
  readonly resumeEpoch: number;
  /** This execution's number. */
  readonly exNum: number;
  private readonly opened: readonly { readonly db: Db; readonly file: string }[];
  private readonly gcEpochs: readonly number[];
  private readonly commitTimes: readonly (readonly [epoch: number, at: number])[];
  private writer: SnapshotWriter | undefined;

  private constructor(
    /** The recovery directory and backup interval this store was opened with. */
    readonly config: RecoveryConfig,
    opened: readonly { readonly db: Db; readonly file: string }[],
    workerCount: number,
  ) {
    const dir = config.dbDir;
    // Where each partition can resume from, and how far it collected.
    let resume = Infinity;
    let lastEx = 0;
    const gcs: number[] = [];
    for (const { db, file } of opened) {
      const progress = onPartitionFile(file, () => {
        const found = progressMismatches(db);
        if (found.length > 0) throw corruptProgress(file, found);
        return partitionProgress(db);
      });
      resume = Math.min(resume, progress.frontier);
      lastEx = Math.max(lastEx, progress.lastExecution);
      gcs.push(progress.gcEpoch);
    }
    gcs.forEach((g, i) => {
      if (g > resume - 1) {
        throw new InconsistentPartitionsError(
          `recovery directory '${dir}': partition ${i} already discarded snapshots up to epoch ${g}, but another partition ` +
            `can only resume from epoch ${resume}; a partition was probably restored from a backup older than the backup ` +
            `interval (${config.backupInterval} ms) allows. Restore all partitions from the same backup.`,
        );
      }
    });
    this.resumeEpoch = resume;
    this.exNum = lastEx + 1;
    const startedAt = new Date().toISOString();
    for (const { db, file } of opened) {
      onPartitionFile(file, () =>
        db.transaction(() => {
          // Snapshots and commits of epochs that never committed everywhere are void.
          db.prepare(COMMIT_SQL.voidSnaps).run(resume);
          db.prepare(COMMIT_SQL.voidCommits).run(resume);
          db.prepare("INSERT INTO exs (ex_num, worker_count, resume_epoch, started_at) VALUES (?, ?, ?, ?)").run(
            this.exNum, workerCount, resume, startedAt,
          );
          const front = db.prepare("INSERT INTO fronts (ex_num, worker_index, worker_frontier, crc) VALUES (?, ?, ?, ?)");
          for (let w = 0; w < workerCount; w++) front.run(this.exNum, w, resume, frontCrc(this.exNum, w, resume));
        })(),
      );
    }
    this.opened = opened;
    this.gcEpochs = gcs;
    const first = opened[0];
    const rows = onPartitionFile(first.file, () =>
      first.db.prepare("SELECT commit_epoch AS e, committed_at AS t FROM commits ORDER BY commit_epoch").all() as { e: number; t: number }[],
    );
    this.commitTimes = rows.map((r) => [r.e, r.t] as const);
  }

  /**
   * Open and check every partition of `config.dbDir`, and start a new
   * execution with `workerCount` workers.
   *
   * @throws NoPartitionsError, MissingPartitionsError, InconsistentPartitionsError,
   *   PartitionFileError (a file that cannot be read or written, or is not a
   *   recovery file)
   */
  static open(config: RecoveryConfig, workerCount: number): RecoveryStore {
    const dir = config.dbDir;
    let isDir: boolean;
    try {
      isDir = statSync(dir).isDirectory();
    } catch (err) {
      // A parent the user may not search says EACCES, not "does not exist".
      if ((err as NodeJS.ErrnoException).code !== "ENOENT" && (err as NodeJS.ErrnoException).code !== "ENOTDIR") throw directoryFailure(dir, err);
      isDir = false;
    }
    if (!isDir) {
      throw new NoPartitionsError(`recovery directory '${dir}' does not exist; run \`sluice recovery init ${dir} <partitions>\` to create it`);
    }
    let files: Map<number, string>;
    try {
      files = listPartitionFiles(dir);
    } catch (err) {
      throw directoryFailure(dir, err);
    }
    if (files.size === 0) {
      throw new NoPartitionsError(`recovery directory '${dir}' has no partitions; run \`sluice recovery init ${dir} <partitions>\` first`);
    }
    const dbs: Db[] = [];
    try {
      let count: number | undefined;
      let dirId: string | undefined;
      const byIndex = new Map<number, { db: Db; file: string }>();
      for (const [i] of [...files].sort((a, b) => a[0] - b[0])) {
        const file = partitionFile(dir, i);
        const db = openPartition(file, { create: false });
        dbs.push(db);
        const row = onPartitionFile(file, () => db.prepare("SELECT part_index, part_count, dir_id FROM parts").get()) as
          | { part_index: number; part_count: number; dir_id: string }
          | undefined;
        if (row === undefined || row.part_index !== i) {
          throw new InconsistentPartitionsError(`recovery partition file ${partitionFile(dir, i)} does not hold partition ${i}`);
        }
        if ((count !== undefined && row.part_count !== count) || (dirId !== undefined && row.dir_id !== dirId)) {
          throw new InconsistentPartitionsError(
            `recovery directory '${dir}' mixes partitions of different recovery directories (partition ${i} belongs to another one)`,
          );
        }
        count = row.part_count;
        dirId = row.dir_id;
        byIndex.set(i, { db, file });
      }
      const missing = [...Array(count!).keys()].filter((i) => !byIndex.has(i));
      if (missing.length > 0) {
        throw new MissingPartitionsError(
          `recovery directory '${dir}' is missing partitions ${missing.join(", ")} of ${count}; restore them from a backup`,
        );
      }
      const extra = [...byIndex.keys()].filter((i) => i >= count!);
      if (extra.length > 0) {
        throw new InconsistentPartitionsError(`recovery directory '${dir}' has partitions ${extra.join(", ")} beyond its ${count} partitions`);
      }
      return new RecoveryStore(config, [...Array(count!).keys()].map((i) => byIndex.get(i)!), workerCount);
    } catch (err) {
      for (const db of dbs) db.close();
      throw err;
    }
  }

  /** Number of partitions. */
  get partitionCount(): number {
    return this.opened.length;
  }

  /**
   * The newest snapshot before the resume epoch of every (step, key) whose
   * state was not discarded, by step then key, each checked against its
   * checksum.
   *
   * @throws CorruptStateError for the first snapshot that does not match its checksum.
   */
  loadStates(): Map<string, Map<string, Uint8Array>> {
    const out = new Map<string, Map<string, Uint8Array>>();
    for (const p of this.opened) {
      onPartitionFile(p.file, () => {
        // One pass in primary key order: a key's rows are adjacent, oldest first, so its last row is the one to restore.
        const rows = p.db
          .prepare("SELECT step_id, state_key, snap_epoch, ser_change, crc FROM snaps WHERE snap_epoch < ? ORDER BY step_id, state_key, snap_epoch")
          .raw(true)
          .iterate(this.resumeEpoch) as IterableIterator<[string, string, number, Uint8Array | null, number | null]>;
        let last: [string, string, number, Uint8Array | null, number | null] | undefined;
        let stepId: string | undefined;
        let step: Map<string, Uint8Array> | undefined;
        const keep = (r: [string, string, number, Uint8Array | null, number | null]): void => {
          if (r[4] !== snapCrc(r[0], r[1], r[2], r[3])) throw corruptSnapshot(p.file, r[0], r[1], r[2]);
          if (r[3] === null) return;
          if (r[0] !== stepId) {
            stepId = r[0];
            step = out.get(stepId);
            if (step === undefined) out.set(stepId, (step = new Map()));
          }
          step!.set(r[1], r[3]);
        };
        for (const r of rows) {
          if (last !== undefined && (last[1] !== r[1] || last[0] !== r[0])) keep(last);
          last = r;
        }
        if (last !== undefined) keep(last);
      });
    }
    return out;
  }

  /**
   * Make epoch `epoch` durable in this thread: see {@link SnapshotWriter.commit}.
   * (A run commits through a `StoreThread` instead, off its hot path.)
   */
  commit(epoch: number, writes: readonly SnapshotWrite[], now = Date.now()): void {
    this.writer ??= new SnapshotWriter(this.opened, this.writerState());
    this.writer.commit(epoch, writes, now);
  }

  /** What a {@link SnapshotWriter} of this execution starts from, on its own connections. */
  writerState(): WriterState {
    return {
      files: this.opened.map((p) => p.file),
      exNum: this.exNum,
      gcEpochs: [...this.gcEpochs],
      commitTimes: this.commitTimes.map(([e, at]) => [e, at] as const),
      backupInterval: this.config.backupInterval,
    };
  }

  /** Close every partition file. */
  close(): void {
    for (const p of this.opened) p.db.close();
  }
}

/**
 * @internal Where the writer of an execution starts: its partition files (by
 * index), the execution, how far each partition collected, the commit times
 * the backup interval is measured against. Plain data: it crosses to the
 * store thread.
 */
export interface WriterState {
  readonly files: readonly string[];
  readonly exNum: number;
  readonly gcEpochs: readonly number[];
  readonly commitTimes: readonly (readonly [epoch: number, at: number])[];
  readonly backupInterval: number;
}

/**
 * @internal The commit path of one execution: writes each epoch's snapshots
 * and progress rows into every partition, in the order it is called, and
 * collects superseded snapshots. Runs wherever the partitions' connections
 * are: in the run's thread (`RecoveryStore.commit`) or in the store thread.
 */
export class SnapshotWriter {
  private readonly parts: Partition[];
  private readonly commitTimes: [epoch: number, at: number][];
  private readonly exNum: number;
  private readonly backupInterval: number;
  private lastGc = 0;

  constructor(opened: readonly { readonly db: Db; readonly file: string }[], state: WriterState) {
    this.exNum = state.exNum;
    this.backupInterval = state.backupInterval;
    this.commitTimes = state.commitTimes.map(([e, at]) => [e, at]);
    this.parts = opened.map(({ db, file }, index) =>
      onPartitionFile(file, () => {
        const insert = (rows: number): string =>
          `INSERT OR REPLACE INTO snaps (step_id, state_key, snap_epoch, ser_change, crc) VALUES ${Array<string>(rows).fill("(?, ?, ?, ?, ?)").join(", ")}`;
        return {
          index,
          file,
          db,
          upsertMany: db.prepare(insert(ROWS_PER_INSERT)),
          upsert: db.prepare(insert(1)),
          advance: db.prepare(COMMIT_SQL.advance),
          commit: db.prepare(COMMIT_SQL.commit),
          collectSuperseded: db.prepare(COMMIT_SQL.collectSuperseded),
          collectDiscards: db.prepare(COMMIT_SQL.collectDiscards),
          collectCommits: db.prepare(COMMIT_SQL.collectCommits),
          gcEpoch: state.gcEpochs[index],
        };
      }),
    );
  }

  /**
   * Make epoch `epoch` durable: its changed snapshots, sharded by
   * `stableHash(stepId + "\0" + stateKey)`, and the progress marks, one
   * transaction per partition. `now`: the run's clock, which the backup
   * interval is measured on.
   */
  commit(epoch: number, writes: readonly SnapshotWrite[], now = Date.now()): void {
    const n = this.parts.length;
    const shards: SnapshotWrite[][] = n === 1 ? [writes as SnapshotWrite[]] : Array.from({ length: n }, () => []);
    if (n > 1) for (const w of writes) shards[stableHash(`${w.stepId}\0${w.stateKey}`) % n].push(w);
    // Collect only what was superseded at an epoch committed in every
    // partition (so at most the previous epoch) and long enough ago.
    const horizon = this.gcHorizon(epoch, now);
    const collect = horizon > 0 && now - this.lastGc >= GC_EVERY_MS;
    const params: unknown[] = new Array(ROWS_PER_INSERT * 5);
    for (const p of this.parts) {
      const shard = shards[p.index];
      onPartitionFile(p.file, () => p.db.transaction(() => {
        let j = 0;
        for (const w of shard) {
          params[j++] = w.stepId;
          params[j++] = w.stateKey;
          params[j++] = epoch;
          params[j++] = w.bytes;
          params[j++] = snapCrc(w.stepId, w.stateKey, epoch, w.bytes);
          if (j === params.length) {
            p.upsertMany.run(params);
            j = 0;
          }
        }
        for (let i = 0; i < j; i += 5) p.upsert.run(params.slice(i, i + 5));
        p.advance.run({ f: epoch + 1, ex: this.exNum });
        if (collect && horizon > p.gcEpoch) {
          p.collectSuperseded.run({ lo: p.gcEpoch, hi: horizon });
          p.collectDiscards.run({ lo: p.gcEpoch, hi: horizon });
          p.collectCommits.run(horizon);
          p.gcEpoch = horizon;
        }
        p.commit.run(epoch, now, p.gcEpoch, commitCrc(epoch, now, p.gcEpoch));
      })());
    }
    if (collect) this.lastGc = now;
    this.commitTimes.push([epoch, now]);
    while (this.commitTimes.length > 1 && this.commitTimes[0][0] < this.parts[0].gcEpoch) this.commitTimes.shift();
  }

  /** Latest epoch committed at least `backupInterval` ago, and before `epoch`. */
  private gcHorizon(epoch: number, now: number): number {
    let h = 0;
    for (const [e, at] of this.commitTimes) {
      if (e < epoch && at <= now - this.backupInterval) h = e;
    }
    return h;
  }

}

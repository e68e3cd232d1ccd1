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
 * @module
 * @internal
 */
import { existsSync, statSync } from "node:fs";
import type { Statement } from "better-sqlite3";
import { InconsistentPartitionsError, MissingPartitionsError, NoPartitionsError } from "../errors.js";
import { stableHash } from "../internal/hash.js";
import type { RecoveryConfig } from "./config.js";
import { openPartition, type Db } from "./schema.js";
import { listPartitionFiles, partitionFile } from "./initDbDir.js";
import { directoryFailure, onPartitionFile } from "./partitionFailure.js";

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
  readonly upsert: Statement;
  readonly advance: Statement;
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

/** How often superseded snapshots are collected, at most. */
const GC_EVERY_MS = 1_000;

/** @internal An open recovery directory, for one execution. */
export class RecoveryStore {
  /** The first epoch of this execution: everything before it is restored. */
  readonly resumeEpoch: number;
  /** This execution's number. */
  readonly exNum: number;
  private readonly parts: Partition[];
  private readonly commitTimes: [epoch: number, at: number][] = [];
  private lastGc = 0;

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
      const progress = onPartitionFile(file, () => partitionProgress(db));
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
    this.parts = opened.map(({ db, file }, index) =>
      onPartitionFile(file, () => {
        db.transaction(() => {
          // Snapshots and commits of epochs that never committed everywhere are void.
          db.prepare("DELETE FROM snaps WHERE snap_epoch >= ?").run(resume);
          db.prepare("DELETE FROM commits WHERE commit_epoch >= ?").run(resume);
          db.prepare("INSERT INTO exs (ex_num, worker_count, resume_epoch, started_at) VALUES (?, ?, ?, ?)").run(
            this.exNum, workerCount, resume, startedAt,
          );
          const front = db.prepare("INSERT INTO fronts (ex_num, worker_index, worker_frontier) VALUES (?, ?, ?)");
          for (let w = 0; w < workerCount; w++) front.run(this.exNum, w, resume);
        })();
        return {
          index,
          file,
          db,
          upsert: db.prepare("INSERT OR REPLACE INTO snaps (step_id, state_key, snap_epoch, ser_change) VALUES (?, ?, ?, ?)"),
          advance: db.prepare("UPDATE fronts SET worker_frontier = ? WHERE ex_num = ?"),
          commit: db.prepare("INSERT OR REPLACE INTO commits (commit_epoch, committed_at, gc_epoch) VALUES (?, ?, ?)"),
          gcEpoch: gcs[index],
        };
      }),
    );
    const first = opened[0];
    const rows = onPartitionFile(first.file, () =>
      first.db.prepare("SELECT commit_epoch AS e, committed_at AS t FROM commits ORDER BY commit_epoch").all() as { e: number; t: number }[],
    );
    for (const r of rows) this.commitTimes.push([r.e, r.t]);
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
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
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
    return this.parts.length;
  }

  /**
   * The newest snapshot before the resume epoch of every (step, key) whose
   * state was not discarded, by step then key.
   */
  loadStates(): Map<string, Map<string, Uint8Array>> {
    const out = new Map<string, Map<string, Uint8Array>>();
    for (const p of this.parts) {
      const rows = onPartitionFile(p.file, () =>
        p.db
          .prepare(
            "SELECT step_id, state_key, ser_change, MAX(snap_epoch) AS e FROM snaps WHERE snap_epoch < ? GROUP BY step_id, state_key",
          )
          .all(this.resumeEpoch),
      ) as { step_id: string; state_key: string; ser_change: Uint8Array | null }[];
      for (const r of rows) {
        if (r.ser_change === null) continue;
        let step = out.get(r.step_id);
        if (step === undefined) out.set(r.step_id, (step = new Map()));
        step.set(r.state_key, r.ser_change);
      }
    }
    return out;
  }

  /**
   * Make epoch `epoch` durable: its changed snapshots, sharded by
   * `stableHash(stepId + "\0" + stateKey)`, and the progress marks, one
   * transaction per partition. `now`: the run's clock, which the backup
   * interval is measured on.
   */
  commit(epoch: number, writes: readonly SnapshotWrite[], now = Date.now()): void {
    const n = this.parts.length;
    const shards: SnapshotWrite[][] = Array.from({ length: n }, () => []);
    for (const w of writes) shards[n === 1 ? 0 : stableHash(`${w.stepId}\0${w.stateKey}`) % n].push(w);
    // Collect only what was superseded at an epoch committed in every
    // partition (so at most the previous epoch) and long enough ago.
    const horizon = this.gcHorizon(epoch, now);
    const collect = horizon > 0 && now - this.lastGc >= GC_EVERY_MS;
    for (const p of this.parts) {
      const shard = shards[p.index];
      onPartitionFile(p.file, () => p.db.transaction(() => {
        for (const w of shard) p.upsert.run(w.stepId, w.stateKey, epoch, w.bytes);
        p.advance.run(epoch + 1, this.exNum);
        if (collect && horizon > p.gcEpoch) {
          p.db
            .prepare(
              `DELETE FROM snaps WHERE snap_epoch < ? AND EXISTS (
                 SELECT 1 FROM snaps AS newer WHERE newer.step_id = snaps.step_id AND newer.state_key = snaps.state_key
                   AND newer.snap_epoch > snaps.snap_epoch AND newer.snap_epoch <= ?)`,
            )
            .run(horizon, horizon);
          p.db.prepare("DELETE FROM snaps WHERE ser_change IS NULL AND snap_epoch <= ?").run(horizon);
          p.db.prepare("DELETE FROM commits WHERE commit_epoch < ?").run(horizon);
          p.gcEpoch = horizon;
        }
        p.commit.run(epoch, now, p.gcEpoch);
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
      if (e < epoch && at <= now - this.config.backupInterval) h = e;
    }
    return h;
  }

  /** Close every partition file. */
  close(): void {
    for (const p of this.parts) p.db.close();
  }
}

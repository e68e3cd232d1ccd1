/**
 * A task's local cache of its changelog (`--state-dir`, Kafka Streams'
 * `state.dir`): a SQLite file per task holding the states the task
 * committed, and the changelog offset they include up to. A task that
 * starts where its cache is reads its changelog from that offset only,
 * instead of from the start.
 *
 * Why it stays correct:
 * - it is written after the epoch's transaction committed, in one SQLite
 *   transaction: it only ever holds a prefix of the committed changelog (a
 *   crash in between leaves it one epoch behind, which the changelog
 *   replays);
 * - a cache left behind when the task moved to another process is still a
 *   prefix: reading from its offset brings it up to date;
 * - compaction removes a record only when a later one of the same key
 *   exists, so everything after the offset that matters is still there,
 *   except tombstones older than the topic's `delete.retention.ms` (24 h by
 *   default): a cache last written before `maxAgeMs` (12 h), or whose
 *   offset is below the partition's first offset, is ignored.
 *
 * @module
 * @internal
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import type { EncodedSnapshot } from "../../run/internal/node.js";
import type { EpochRecord } from "./taskTxn.js";

/** A cache last written longer ago than this is ignored (ms): the changelog's tombstones may be gone. */
export const CACHE_MAX_AGE_MS = 12 * 3600_000;

/** @internal What a cache holds: the states, the last epoch, and the next changelog offset to read. */
export interface CachedTask {
  readonly states: Map<string, Map<string, Uint8Array>>;
  readonly last: EpochRecord | undefined;
  readonly nextOffset: number;
  readonly keys: number;
}

/** @internal One task's cache file. */
export class TaskCache {
  private readonly db: Database.Database;
  private readonly put: Database.Statement<[string, string, Buffer]>;
  private readonly del: Database.Statement<[string, string]>;
  private readonly setMeta: Database.Statement<[number, number, number, number]>;

  constructor(
    dir: string,
    applicationId: string,
    readonly task: number,
  ) {
    const folder = join(dir, applicationId);
    mkdirSync(folder, { recursive: true });
    this.db = new Database(join(folder, `task-${task}.sqlite`));
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = NORMAL");
    this.db.exec(`CREATE TABLE IF NOT EXISTS states (step TEXT NOT NULL, key TEXT NOT NULL, bytes BLOB NOT NULL, PRIMARY KEY (step, key)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS meta (id INTEGER PRIMARY KEY CHECK (id = 0), next_offset INTEGER NOT NULL, epoch INTEGER NOT NULL, execution INTEGER NOT NULL, written_at INTEGER NOT NULL);`);
    this.put = this.db.prepare("INSERT OR REPLACE INTO states (step, key, bytes) VALUES (?, ?, ?)");
    this.del = this.db.prepare("DELETE FROM states WHERE step = ? AND key = ?");
    this.setMeta = this.db.prepare("INSERT OR REPLACE INTO meta (id, next_offset, epoch, execution, written_at) VALUES (0, ?, ?, ?, ?)");
  }

  /**
   * What the cache holds, or `undefined` when it is empty, too old, or
   * behind `firstOffset` (the changelog partition's first offset).
   */
  load(firstOffset: number, now: number): CachedTask | undefined {
    const meta = this.db.prepare("SELECT next_offset, epoch, execution, written_at FROM meta WHERE id = 0").get() as
      | { next_offset: number; epoch: number; execution: number; written_at: number }
      | undefined;
    if (meta === undefined || now - meta.written_at > CACHE_MAX_AGE_MS || meta.next_offset < firstOffset) {
      this.clear();
      return undefined;
    }
    const states = new Map<string, Map<string, Uint8Array>>();
    let keys = 0;
    for (const row of this.db.prepare("SELECT step, key, bytes FROM states").iterate() as Iterable<{ step: string; key: string; bytes: Buffer }>) {
      let m = states.get(row.step);
      if (m === undefined) states.set(row.step, (m = new Map()));
      m.set(row.key, new Uint8Array(row.bytes.buffer, row.bytes.byteOffset, row.bytes.byteLength));
      keys++;
    }
    return { states, last: { epoch: meta.epoch, execution: meta.execution }, nextOffset: meta.next_offset, keys };
  }

  /** Forget everything (the cache cannot be trusted). */
  clear(): void {
    this.db.exec("DELETE FROM states; DELETE FROM meta;");
  }

  /** Record a committed epoch: its changed states, and the changelog offset after its records. */
  committed(epoch: number, execution: number, entries: readonly EncodedSnapshot[], nextOffset: number, now: number): void {
    this.db.transaction(() => {
      for (const e of entries) {
        if (e.bytes === null) this.del.run(e.stepId, e.stateKey);
        else this.put.run(e.stepId, e.stateKey, Buffer.from(e.bytes.buffer, e.bytes.byteOffset, e.bytes.byteLength));
      }
      this.setMeta.run(nextOffset, epoch, execution, now);
    })();
  }

  close(): void {
    this.db.close();
  }
}

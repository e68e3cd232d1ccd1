/**
 * The SQLite schema of a recovery partition and its migrations.
 *
 * @module
 * @internal
 */
import { statSync } from "node:fs";
import Database from "better-sqlite3";
import { InconsistentPartitionsError, PartitionFileError } from "../errors.js";
import { partitionFailure, restoreAdvice } from "./partitionFailure.js";
import { registerChecksums } from "./checksum.js";

/** @internal A partition file handle. */
export type Db = Database.Database;

/**
 * Migrations, applied in order; `PRAGMA user_version` holds how many ran.
 * Never edit a shipped migration: append a new one.
 */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE parts (
    part_index INTEGER PRIMARY KEY,
    part_count INTEGER NOT NULL,
    dir_id TEXT NOT NULL,
    created_at TEXT NOT NULL
  ) STRICT;
  CREATE TABLE exs (
    ex_num INTEGER PRIMARY KEY,
    worker_count INTEGER NOT NULL,
    resume_epoch INTEGER NOT NULL,
    started_at TEXT NOT NULL
  ) STRICT;
  CREATE TABLE fronts (
    ex_num INTEGER NOT NULL,
    worker_index INTEGER NOT NULL,
    worker_frontier INTEGER NOT NULL,
    PRIMARY KEY (ex_num, worker_index)
  ) STRICT;
  CREATE TABLE commits (
    commit_epoch INTEGER PRIMARY KEY,
    committed_at REAL NOT NULL,
    gc_epoch INTEGER NOT NULL
  ) STRICT;
  CREATE TABLE snaps (
    step_id TEXT NOT NULL,
    state_key TEXT NOT NULL,
    snap_epoch INTEGER NOT NULL,
    ser_change BLOB,
    PRIMARY KEY (step_id, state_key, snap_epoch)
  ) STRICT;
  `,
  // 2: checksums, and an index that lets garbage collection and the start of
  // an execution reach the rows of a range of epochs without scanning the
  // table. Rows stored by version 1 get their checksum here: it vouches for
  // them as they are when migrated (version 1 could not tell a changed byte).
  `
  ALTER TABLE snaps ADD COLUMN crc INTEGER;
  ALTER TABLE fronts ADD COLUMN crc INTEGER;
  ALTER TABLE commits ADD COLUMN crc INTEGER;
  UPDATE snaps SET crc = sluice_snap_crc(step_id, state_key, snap_epoch, ser_change);
  UPDATE fronts SET crc = sluice_front_crc(ex_num, worker_index, worker_frontier);
  UPDATE commits SET crc = sluice_commit_crc(commit_epoch, committed_at, gc_epoch);
  CREATE INDEX snaps_by_epoch ON snaps (snap_epoch);
  `,
];

/** @internal The schema version this build writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * @internal Open a partition file with the pragmas Sluice relies on,
 * migrating it. A failure is a `PartitionFileError` naming the file (or an
 * `InconsistentPartitionsError` for a newer schema).
 */
export function openPartition(path: string, options: { create: boolean }): Db {
  let db: Db | undefined;
  try {
    // Checked before anything is written: an empty file would get a header.
    if (!options.create && statSync(path).size === 0) throw notARecoveryFile(path, "it is empty");
    db = new Database(path, { fileMustExist: !options.create });
    db.pragma("busy_timeout = 5000");
    const version = db.pragma("user_version", { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new InconsistentPartitionsError(
        `recovery partition '${path}' has schema version ${version}, newer than this Sluice supports (${SCHEMA_VERSION}); upgrade Sluice`,
      );
    }
    // Not made by initDbDir (or not finished): never write into someone else's database.
    if (version === 0 && !options.create) throw notARecoveryFile(path, "it is an SQLite database without Sluice's tables");
    db.pragma("journal_mode = WAL");
    // Durable against a killed process; an OS crash may lose the last epochs,
    // which resume then detects and replays.
    db.pragma("synchronous = NORMAL");
    // A commit of many keys touches many pages of the primary key's B-tree:
    // 64 MiB of cache (SQLite's default is 2 MiB) keeps them from being
    // read back and spilled to the WAL mid-transaction.
    db.pragma("cache_size = -65536");
    registerChecksums(db);
    if (version < SCHEMA_VERSION) {
      const opened = db;
      opened.transaction(() => {
        for (let v = version; v < SCHEMA_VERSION; v++) opened.exec(MIGRATIONS[v]);
        opened.pragma(`user_version = ${SCHEMA_VERSION}`);
      })();
    }
    return db;
  } catch (err) {
    try {
      db?.close();
    } catch {
      // The original error matters more.
    }
    throw partitionFailure(path, err);
  }
}

/** @internal The error for a partition file `path` that holds no recovery data; `what` says what it holds. */
export function notARecoveryFile(path: string, what: string): PartitionFileError {
  return new PartitionFileError(`recovery partition file ${path} is not a recovery file: ${what}. ${restoreAdvice(path)}`, {
    file: path,
    problem: "not a recovery file",
  });
}

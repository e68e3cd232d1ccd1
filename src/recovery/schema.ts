/**
 * The SQLite schema of a recovery partition and its migrations.
 *
 * @module
 * @internal
 */
import Database from "better-sqlite3";
import { InconsistentPartitionsError } from "../errors.js";

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
];

/** @internal The schema version this build writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** @internal Open a partition file with the pragmas Sluice relies on, migrating it. */
export function openPartition(path: string, options: { create: boolean }): Db {
  const db = new Database(path, { fileMustExist: !options.create });
  db.pragma("journal_mode = WAL");
  // Durable against a killed process; an OS crash may lose the last epochs,
  // which resume then detects and replays.
  db.pragma("synchronous = NORMAL");
  db.pragma("busy_timeout = 5000");
  const version = db.pragma("user_version", { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    db.close();
    throw new InconsistentPartitionsError(
      `recovery partition '${path}' has schema version ${version}, newer than this Sluice supports (${SCHEMA_VERSION}); upgrade Sluice`,
    );
  }
  if (version < SCHEMA_VERSION) {
    db.transaction(() => {
      for (let v = version; v < SCHEMA_VERSION; v++) db.exec(MIGRATIONS[v]);
      db.pragma(`user_version = ${SCHEMA_VERSION}`);
    })();
  }
  return db;
}

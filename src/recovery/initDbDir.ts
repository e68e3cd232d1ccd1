/**
 * Creating a recovery directory.
 *
 * @module
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { BuildError } from "../errors.js";
import { openPartition } from "./schema.js";
import { onPartitionFile } from "./partitionFailure.js";

/** @internal File name of partition `i`. */
export function partitionFile(dir: string, i: number): string {
  return join(dir, `part-${i}.sqlite3`);
}

/** @internal The partition files in `dir`, by index (file names). Throws the file system's error. */
export function listPartitionFiles(dir: string): Map<number, string> {
  const found = new Map<number, string>();
  for (const name of readdirSync(dir)) {
    const m = /^part-(\d+)\.sqlite3$/.exec(name);
    if (m) found.set(Number(m[1]), name);
  }
  return found;
}

/**
 * Create the SQLite partitions of a recovery directory: `part-0.sqlite3` …
 * `part-<count-1>.sqlite3`. The partition count is fixed from then on; the
 * worker count may change between runs. More partitions spread snapshot
 * writes over more files (one transaction per partition per epoch).
 *
 * Run it once per recovery directory, not at every start: on a directory
 * that already has partitions it throws and changes nothing (the snapshots
 * there are what a restarted run resumes from). `sluice recovery init`
 * behaves the same, but also creates a missing directory.
 *
 * @param dir - An existing directory without partitions.
 * @param count - Number of partitions, a positive integer.
 * @throws {@link BuildError} when `dir` does not exist, is not a directory,
 *   already holds partitions, or `count` is invalid;
 *   {@link sluice!PartitionFileError | PartitionFileError} when a partition file cannot be created
 *   (permission denied, read-only, disk full).
 * @category Recovery
 * @example
 * ```ts
 * // Once, the first time; later starts resume from what is in "state".
 * if (!existsSync("state/part-0.sqlite3")) {
 *   mkdirSync("state", { recursive: true });
 *   initDbDir("state", 3); // state/part-0.sqlite3, part-1.sqlite3, part-2.sqlite3
 * }
 * await runMain(flow, { recovery: new RecoveryConfig("state") });
 * ```
 */
export function initDbDir(dir: string, count: number): void {
  if (!Number.isInteger(count) || count < 1) {
    throw new BuildError(`the partition count must be a positive integer; got ${String(count)}`);
  }
  if (!existsSync(dir)) throw new BuildError(`recovery directory '${dir}' does not exist; create it first`);
  if (!statSync(dir).isDirectory()) throw new BuildError(`recovery directory '${dir}' is not a directory`);
  const existing = [...listPartitionFiles(dir).values()].sort();
  if (existing.length > 0) {
    throw new BuildError(
      `recovery directory '${dir}' is already initialised (it has ${existing.length === 1 ? existing[0] : `${existing.length} partition files`}); ` +
        "nothing was changed. " +
        "To resume from it, pass it to RecoveryConfig (or `sluice run -r`); to start over, delete its part-*.sqlite3* files first",
    );
  }
  const dirId = randomUUID();
  const createdAt = new Date().toISOString();
  for (let i = 0; i < count; i++) {
    const file = partitionFile(dir, i);
    const db = openPartition(file, { create: true });
    try {
      onPartitionFile(file, () =>
        db.prepare("INSERT INTO parts (part_index, part_count, dir_id, created_at) VALUES (?, ?, ?, ?)").run(i, count, dirId, createdAt),
      );
    } finally {
      db.close();
    }
  }
}

/**
 * `RecoveryConfig`: where and how a flow's snapshots are kept.
 *
 * @module
 */
import { BuildError } from "../errors.js";

/**
 * Options of a {@link RecoveryConfig}.
 *
 * @category Recovery
 */
export interface RecoveryOptions {
  /**
   * How long (ms) a snapshot is kept after a newer one superseded it
   * (default 0). Set it to at least how old a backup of a partition file may
   * be when you restore it: within that window a partition restored from a
   * backup still resumes without data loss.
   */
  backupInterval?: number;
}

/**
 * Recovery settings: the directory of SQLite partitions made by `initDbDir`
 * (or `sluice recovery init`), and the backup interval.
 *
 * @category Recovery
 * @example
 * ```ts
 * const recovery = new RecoveryConfig("state", { backupInterval: minutes(10) });
 * await runMain(flow, { recovery, epochInterval: seconds(1) });
 * ```
 */
export class RecoveryConfig {
  /** The recovery directory. */
  readonly dbDir: string;
  /** Snapshot retention after being superseded, in ms. */
  readonly backupInterval: number;

  /**
   * @param dbDir - Directory holding `part-<i>.sqlite3` files.
   * @param options - `backupInterval` in ms (default 0).
   * @throws {@link BuildError} for a negative or non-finite backup interval.
   */
  constructor(dbDir: string, options: RecoveryOptions = {}) {
    const backupInterval = options.backupInterval ?? 0;
    if (typeof dbDir !== "string" || dbDir.length === 0) throw new BuildError("the recovery directory must be a non-empty path");
    if (!Number.isFinite(backupInterval) || backupInterval < 0) {
      throw new BuildError(`backupInterval must be a finite number of ms >= 0; got ${String(backupInterval)}`);
    }
    this.dbDir = dbDir;
    this.backupInterval = backupInterval;
  }
}

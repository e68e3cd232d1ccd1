/**
 * `sluice recovery verify DIR`: check every stored row of a recovery
 * directory against its checksum, and the partitions against each other,
 * without changing anything.
 *
 * @module
 * @internal
 */
import { basename } from "node:path";
import { partitionFile } from "./initDbDir.js";
import { consistencyWarnings, openForReading, partitionFiles, type Opened } from "./inspect.js";
import { snapCrc } from "./checksum.js";
import { SCHEMA_VERSION } from "./schema.js";
import { partitionFailure } from "./partitionFailure.js";
import { progressMismatches } from "./store.js";

/** @internal What `sluice recovery verify` found. */
export interface VerifyReport {
  /** The directory, as given. */
  readonly directory: string;
  /** Partition files read. */
  readonly partitions: number;
  /** Snapshot rows checked. */
  readonly snapshots: number;
  /** Problems, one sentence each, each naming its partition file; empty when the directory is clean. */
  readonly findings: readonly string[];
}

/**
 * @internal Check every snapshot and progress row of the recovery directory
 * `dir` against its checksum, and that its partitions belong together (as a
 * run checks before resuming). Opens each partition read-only; a file that
 * cannot be read or is not a recovery file is a finding, like a damaged row.
 *
 * @throws `CliError` (exit code 1) when the directory does not exist
 *   or holds no partitions.
 */
export function verifyRecovery(dir: string): VerifyReport {
  const indexes = partitionFiles(dir);
  const findings: string[] = [];
  const opened: Opened[] = [];
  let snapshots = 0;
  try {
    for (const index of indexes) {
      const file = partitionFile(dir, index);
      let o: Opened;
      try {
        o = openForReading(index, file);
      } catch (err) {
        findings.push(err instanceof Error ? err.message : String(err));
        continue;
      }
      opened.push(o);
      if (o.version < SCHEMA_VERSION) {
        findings.push(
          `${file}: schema version ${o.version}, written by an older Sluice, has no checksums to verify; ` +
            `a run with this Sluice migrates it (version ${SCHEMA_VERSION}) and checksums its rows`,
        );
        continue;
      }
      try {
        for (const problem of progressMismatches(o.db)) findings.push(`${file}: ${problem}`);
        const rows = o.db
          .prepare("SELECT step_id, state_key, snap_epoch, ser_change, crc FROM snaps ORDER BY step_id, state_key, snap_epoch")
          .raw(true)
          .iterate() as IterableIterator<[string, string, number, Uint8Array | null, number | null]>;
        for (const [stepId, key, epoch, bytes, crc] of rows) {
          snapshots++;
          if (crc !== snapCrc(stepId, key, epoch, bytes)) {
            findings.push(
              `${file}: the snapshot of step '${stepId}' for key '${key}' at epoch ${epoch} ` +
                (crc === null ? "has no checksum" : "does not match its checksum"),
            );
          }
        }
      } catch (err) {
        findings.push((partitionFailure(file, err) as Error).message);
      }
    }
    if (opened.length === indexes.length) {
      findings.push(...consistencyWarnings(dir, opened).map((w) => `${dir}: ${w}`));
    } else if (opened.length > 0) {
      const unread = indexes.filter((i) => !opened.some((o) => o.index === i)).map((i) => basename(partitionFile(dir, i)));
      findings.push(`${dir}: the partitions' consistency was not checked: ${unread.join(", ")} could not be read`);
    }
    return { directory: dir, partitions: indexes.length, snapshots, findings };
  } finally {
    for (const o of opened) o.db.close();
  }
}

/** @internal The lines `sluice recovery verify` prints: the findings, one a line, or that the directory is clean. */
export function formatVerifyReport(report: VerifyReport): string {
  if (report.findings.length === 0) {
    return (
      `${report.directory}: ${report.partitions} partition${report.partitions === 1 ? "" : "s"}, ` +
      `${report.snapshots} snapshot${report.snapshots === 1 ? "" : "s"} checked, no problems found\n`
    );
  }
  // One finding a line, for grep and wc -l: a finding never holds a newline.
  return report.findings.map((f) => `${f.replace(/\s*\n\s*/g, " ")}\n`).join("");
}

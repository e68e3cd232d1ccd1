/**
 * File access shared by the file connectors: opening with clear errors,
 * chunked reads, option checks.
 *
 * @module
 */
import * as fs from "node:fs";
import { BuildError, ConnectorError } from "../../../errors.js";
import { describeFsError } from "../../../internal/fsErrors.js";

export { describeFsError };

/** @internal Bytes read from a file per `readSync` call. */
export const CHUNK_SIZE = 64 * 1024;

/**
 * @internal At most this many chunks are read per `nextBatch` call, so one
 * call never reads more than about 1 MiB, however long the lines are.
 */
export const MAX_READS_PER_BATCH = 16;

/**
 * @internal Open `path` for reading at `resumeOffset` (checked against the
 * file size). Throws a {@link ConnectorError} naming the path.
 */
export function openForReading(who: string, stepId: string, path: string, resumeOffset: number | undefined): number {
  let fd: number;
  try {
    fd = fs.openSync(path, "r");
  } catch (err) {
    throw new ConnectorError(`${who} in step '${stepId}' cannot open '${path}': ${describeFsError(err)}`, { cause: err });
  }
  const stat = fs.fstatSync(fd);
  if (stat.isDirectory()) {
    fs.closeSync(fd);
    throw new ConnectorError(`${who} in step '${stepId}' cannot read '${path}': it is a directory`);
  }
  if (resumeOffset !== undefined && stat.isFile() && resumeOffset > stat.size) {
    fs.closeSync(fd);
    throw new ConnectorError(
      `${who} in step '${stepId}' cannot resume '${path}' at byte ${resumeOffset}: ` +
        `the file has only ${stat.size} bytes (was it truncated or replaced?)`,
    );
  }
  return fd;
}

/** @internal `readSync` at `position` into `buf`, with an error naming the path. */
export function readChunk(fd: number, buf: Buffer, position: number, path: string): number {
  try {
    return fs.readSync(fd, buf, 0, buf.length, position);
  } catch (err) {
    throw new ConnectorError(`cannot read '${path}' at byte ${position}: ${describeFsError(err)}`, { cause: err });
  }
}

/** @internal Check a resume state read back from a snapshot. */
export function checkResumeOffset(who: string, path: string, resume: unknown): number | undefined {
  if (resume === undefined) return undefined;
  if (typeof resume !== "number" || !Number.isSafeInteger(resume) || resume < 0) {
    throw new ConnectorError(`${who} for '${path}' got an invalid resume state ${String(resume)}; expected a byte offset`);
  }
  return resume;
}

/** @internal Check a `batchSize` option: a positive integer, else {@link BuildError}. */
export function checkBatchSize(who: string, batchSize: number): number {
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) {
    throw new BuildError(`${who} option \`batchSize\` must be a positive integer; got ${String(batchSize)}`);
  }
  return batchSize;
}

/** @internal Close `fd`, ignoring errors (used when giving up on a file). */
export function closeQuietly(fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    // already closed or never valid: nothing to release
  }
}

/**
 * Store failures in words: a SQLite or file system error on a recovery
 * partition file becomes a {@link PartitionFileError} naming the file, the
 * problem and what to do.
 *
 * @module
 * @internal
 */
import { accessSync, constants } from "node:fs";
import { basename, dirname, join } from "node:path";
import { DataflowError, PartitionFileError, type PartitionFileProblem } from "../errors.js";

/** @internal What `err`, thrown using `file`, says is wrong with it. */
export function problemOf(err: unknown, file: string): PartitionFileProblem {
  const code = (err as { code?: unknown } | null | undefined)?.code;
  if (typeof code !== "string") return "other";
  // Extended SQLite codes (SQLITE_IOERR_WRITE, SQLITE_READONLY_DIRECTORY) by their primary code.
  switch (/^SQLITE_[A-Z]+/.exec(code)?.[0] ?? code) {
    case "SQLITE_NOTADB":
      return "not a recovery file";
    case "SQLITE_CORRUPT":
      return "corrupt";
    case "SQLITE_READONLY":
    case "EROFS":
      return "read-only";
    case "SQLITE_PERM":
    case "SQLITE_AUTH":
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "SQLITE_FULL":
    case "ENOSPC":
    case "EDQUOT":
      return "disk full";
    case "SQLITE_BUSY":
    case "SQLITE_LOCKED":
      return "locked";
    case "SQLITE_IOERR":
    case "EIO":
      return "I/O error";
    case "SQLITE_CANTOPEN":
      // SQLite does not say why: ask the file system.
      return accessProblem(file, constants.R_OK | constants.W_OK) ?? accessProblem(dirname(file), constants.W_OK | constants.X_OK) ?? "other";
    default:
      return "other";
  }
}

function accessProblem(path: string, mode: number): PartitionFileProblem | undefined {
  try {
    accessSync(path, mode);
    return undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EACCES" || code === "EPERM") return "permission denied";
    if (code === "EROFS") return "read-only";
    return undefined;
  }
}

/** @internal What to do with a partition file that holds something else than recovery data. */
export function restoreAdvice(file: string): string {
  const dir = dirname(file);
  return (
    `Restore it (with its -wal file) from a backup; or, if the state stored in ${dir} may be lost, ` +
    `delete its part-*.sqlite3* files and run \`sluice recovery init ${dir} <partitions>\` to start over`
  );
}

/**
 * @internal The error to throw for `err`, thrown while using the partition
 * file `file`: Sluice's own errors as they are, anything else as a
 * {@link PartitionFileError}.
 */
export function partitionFailure(file: string, err: unknown): unknown {
  if (err instanceof DataflowError) return err;
  const problem = problemOf(err, file);
  const code = (err as { code?: unknown } | null | undefined)?.code;
  const said = err instanceof Error ? ` (${typeof code === "string" && code.startsWith("SQLITE_") ? "SQLite" : (code ?? err.name)}: ${err.message})` : ` (${String(err)})`;
  const dir = dirname(file);
  let message: string;
  switch (problem) {
    case "not a recovery file":
      message = `recovery partition file ${file} is not a recovery file${said}: something else was written in its place. ${restoreAdvice(file)}`;
      break;
    case "corrupt":
      message = `recovery partition file ${file} is corrupt${said}. ${restoreAdvice(file)}`;
      break;
    case "read-only":
      message =
        `cannot write recovery partition file ${file}: it is read-only${said}. Sluice writes it, and creates ` +
        `${basename(file)}-wal and ${basename(file)}-shm next to it: make the file and ${dir} writable for the user running the flow`;
      break;
    case "permission denied":
      message = `cannot open recovery partition file ${file}: permission denied${said}. Give the user running the flow read and write access to it and to ${dir}`;
      break;
    case "disk full":
      message = `cannot write recovery partition file ${file}: the disk is full${said}. Free some space, then start the run again: it resumes from the last committed epoch`;
      break;
    case "locked":
      message = `recovery partition file ${file} is locked by another process${said}: only one run at a time may use a recovery directory`;
      break;
    case "I/O error":
      message = `cannot use recovery partition file ${file}: I/O error${said}. Check the disk, then start the run again`;
      break;
    case "other":
      message = `cannot use recovery partition file ${file}${said}`;
      break;
  }
  return new PartitionFileError(message, { file, problem, cause: err });
}

/** @internal The error to throw when the recovery directory `dir` cannot be listed. */
export function directoryFailure(dir: string, err: unknown): unknown {
  if (err instanceof DataflowError) return err;
  const problem = problemOf(err, join(dir, "."));
  const code = (err as NodeJS.ErrnoException).code;
  const words = problem === "other" ? (err instanceof Error ? err.message : String(err)) : `${problem} (${code})`;
  return new PartitionFileError(
    `cannot list recovery directory ${dir}: ${words}. Give the user running the flow read, write and search access to it`,
    { file: dir, problem, cause: err },
  );
}

/** @internal Run `fn` on partition file `file`, turning a failure into a {@link PartitionFileError}. */
export function onPartitionFile<T>(file: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw partitionFailure(file, err);
  }
}

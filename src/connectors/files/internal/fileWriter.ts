/**
 * The partition behind `FileSink` and `DirSink`: one file written at a byte
 * offset.
 *
 * @module
 */
import * as fs from "node:fs";
import { StatefulSinkPartition } from "../../../outputs/sink.js";
import { ConnectorError, describeType } from "../../../errors.js";
import { closeQuietly, describeFsError } from "./fileAccess.js";

/**
 * @internal Writes strings to a file, each followed by `end`. Built with a
 * resume offset, it truncates the file to it (dropping what was written
 * after the snapshot) and writes on from there; without one, it truncates
 * the file to empty. `snapshot()` syncs the file to disk before returning
 * the offset, so a committed offset is never past the durable data.
 *
 * A path that is not a regular file (`/dev/null`, a FIFO, a terminal) cannot
 * be truncated, seeked or synced: it is written as a stream, appending, and
 * the offset only counts the bytes written (at least once on resume).
 */
export class FileWriterPartition extends StatefulSinkPartition<string, number> {
  private fd: number | undefined;
  private position: number;
  private dirty = false;
  /** Whether the path is a regular file: truncated, written at offsets and synced. */
  private readonly regular: boolean;

  /**
   * @param who - Connector name, for messages.
   * @param stepId - Full id of the output step, for messages.
   * @param path - The file to write.
   * @param end - Written after each value.
   * @param resume - Byte offset to truncate to and write from.
   */
  constructor(
    private readonly who: string,
    stepId: string,
    private readonly path: string,
    private readonly end: string,
    resume: number | undefined,
  ) {
    super();
    let fd: number;
    try {
      fd = fs.openSync(path, fs.constants.O_WRONLY | fs.constants.O_CREAT);
    } catch (err) {
      throw new ConnectorError(`${who} in step '${stepId}' cannot open '${path}': ${describeFsError(err)}`, { cause: err });
    }
    const stat = fs.fstatSync(fd);
    this.regular = stat.isFile();
    if (this.regular) {
      if (resume !== undefined && resume > stat.size) {
        closeQuietly(fd);
        throw new ConnectorError(
          `${who} in step '${stepId}' cannot resume '${path}' at byte ${resume}: ` +
            `the file has only ${stat.size} bytes (was it truncated or replaced?)`,
        );
      }
      fs.ftruncateSync(fd, resume ?? 0);
    }
    this.fd = fd;
    this.position = resume ?? 0;
  }

  /**
   * Write each value followed by `end`, in one `writeSync`.
   *
   * @throws TypeError if a value is not a string.
   */
  writeBatch(values: string[]): void {
    const n = values.length;
    for (let i = 0; i < n; i++) {
      if (typeof values[i] !== "string") {
        throw new TypeError(`${this.who} for '${this.path}' can only write strings; got ${describeType(values[i])}`);
      }
    }
    if (n === 0) return;
    const data = Buffer.from(values.join(this.end) + this.end, "utf8");
    const fd = this.openFd();
    let done = 0;
    while (done < data.length) {
      // A FIFO or a device has no offsets (a positioned write to a FIFO fails with ESPIPE).
      done += fs.writeSync(fd, data, done, data.length - done, this.regular ? this.position + done : null);
    }
    this.position += data.length;
    this.dirty = this.regular;
  }

  /** Sync the file to disk and return the offset after the last value. */
  snapshot(): number {
    if (this.dirty && this.fd !== undefined) {
      fs.fdatasyncSync(this.fd);
      this.dirty = false;
    }
    return this.position;
  }

  /** Sync and close the file. */
  override close(): void {
    if (this.fd === undefined) return;
    if (this.regular) fs.fsyncSync(this.fd);
    fs.closeSync(this.fd);
    this.fd = undefined;
  }

  /** The run ended early: close the file without syncing (what was written stays; a resume truncates it). */
  override abort(): void {
    if (this.fd === undefined) return;
    try {
      fs.closeSync(this.fd);
    } finally {
      this.fd = undefined;
    }
  }

  private openFd(): number {
    if (this.fd === undefined) throw new ConnectorError(`${this.who} for '${this.path}' was already closed`);
    return this.fd;
  }
}

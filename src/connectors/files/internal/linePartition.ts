/**
 * The partition behind `FileSource` and `DirSource`: the lines of one file.
 *
 * @module
 */
import * as fs from "node:fs";
import { StatefulSourcePartition } from "../../../inputs/source.js";
import { CHUNK_SIZE, MAX_READS_PER_BATCH, readChunk } from "./fileAccess.js";

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/**
 * @internal Reads the lines of an open file from a byte offset, in chunks of
 * {@link CHUNK_SIZE} bytes read into one reused buffer. Lines are split on the
 * `\n` byte and each line's bytes are decoded on their own, so a multi-byte
 * character split across two chunks decodes correctly. A trailing `\r` is
 * stripped. The resume state is the byte offset after the last returned line.
 */
export class LinePartition extends StatefulSourcePartition<string, number> {
  private readonly buf: Buffer;
  /** The valid part of `buf` (what the last read returned). */
  private view: Buffer;
  /** Next unconsumed index in `view`. */
  private pos = 0;
  /** Bytes of a line started in earlier chunks (copied out of `buf`). */
  private carry: Buffer[] = [];
  /** File position of the next read. */
  private readPos: number;
  /** Byte offset just after the last returned line. */
  private offset: number;
  private fd: number | undefined;

  /**
   * @param fd - Open file, owned by this partition from now on.
   * @param path - The file's path, for error messages.
   * @param batchSize - Most lines returned per `nextBatch`.
   * @param start - Byte offset to start reading at.
   */
  constructor(
    fd: number,
    private readonly path: string,
    private readonly batchSize: number,
    start: number,
  ) {
    super();
    this.fd = fd;
    this.buf = Buffer.allocUnsafe(CHUNK_SIZE);
    this.view = this.buf.subarray(0, 0);
    this.readPos = start;
    this.offset = start;
  }

  /** Up to `batchSize` lines; `null` once the end of the file was returned. */
  nextBatch(): string[] | null {
    const fd = this.fd;
    if (fd === undefined) return null;
    const lines: string[] = [];
    let reads = 0;
    while (lines.length < this.batchSize) {
      if (this.pos >= this.view.length) {
        if (reads === MAX_READS_PER_BATCH) return lines;
        const n = readChunk(fd, this.buf, this.readPos, this.path);
        reads++;
        if (n === 0) {
          this.endOfFile(lines);
          return lines.length === 0 ? null : lines;
        }
        this.readPos += n;
        this.view = this.buf.subarray(0, n);
        this.pos = 0;
      }
      const nl = this.view.indexOf(NEWLINE, this.pos);
      if (nl === -1) {
        this.carry.push(Buffer.from(this.view.subarray(this.pos)));
        this.pos = this.view.length;
        continue;
      }
      const tail = this.view.subarray(this.pos, nl);
      const bytes = this.carry.length === 0 ? tail : Buffer.concat([...this.carry, tail]);
      this.carry = [];
      this.pos = nl + 1;
      this.offset += bytes.length + 1;
      lines.push(decodeLine(bytes));
    }
    return lines;
  }

  /** The byte offset just after the last returned line. */
  snapshot(): number {
    return this.offset;
  }

  /** Close the file (it is also closed as soon as the end is reached). */
  override close(): void {
    if (this.fd === undefined) return;
    fs.closeSync(this.fd);
    this.fd = undefined;
  }

  /** The run ended early: close the file. */
  override abort(): void {
    this.close();
  }

  private endOfFile(lines: string[]): void {
    if (this.carry.length > 0) {
      const bytes = Buffer.concat(this.carry);
      this.carry = [];
      this.offset += bytes.length;
      lines.push(decodeLine(bytes));
    }
    this.close();
  }
}

function decodeLine(bytes: Buffer): string {
  const end = bytes.length > 0 && bytes[bytes.length - 1] === CARRIAGE_RETURN ? bytes.length - 1 : bytes.length;
  return bytes.toString("utf8", 0, end);
}

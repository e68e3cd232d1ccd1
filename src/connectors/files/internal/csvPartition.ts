/**
 * The partition behind `CSVSource`: the rows of one CSV file as objects.
 *
 * @module
 */
import * as fs from "node:fs";
import type { Options } from "csv-parse";
import { StatefulSourcePartition } from "../../../inputs/source.js";
import { ConnectorError } from "../../../errors.js";
import { CHUNK_SIZE, MAX_READS_PER_BATCH, readChunk } from "./fileAccess.js";
import { CsvRecordReader, type CsvRecord } from "./csvRows.js";

/**
 * @internal Reads CSV records from a byte offset after the header, in
 * 64 KiB chunks fed to a streaming parser; records parsed beyond the batch
 * size wait in a queue. The resume state is the byte offset just after the
 * last returned row.
 */
export class CsvPartition extends StatefulSourcePartition<Record<string, string>, number> {
  private readonly reader: CsvRecordReader;
  private queue: CsvRecord[] = [];
  private head = 0;
  private readPos: number;
  private offset: number;
  private fd: number | undefined;

  /**
   * @param fd - Open file, owned by this partition from now on.
   * @param path - The file's path, for error messages.
   * @param header - Column names, from the header row.
   * @param options - csv-parse options.
   * @param batchSize - Most rows per batch.
   * @param relaxColumnCount - Accept rows whose field count differs from the header's.
   * @param start - Byte offset of the first row to read.
   */
  constructor(
    fd: number,
    private readonly path: string,
    private readonly header: string[],
    options: Options,
    private readonly batchSize: number,
    private readonly relaxColumnCount: boolean,
    start: number,
  ) {
    super();
    this.fd = fd;
    this.reader = new CsvRecordReader(options, start, path);
    this.readPos = start;
    this.offset = start;
  }

  /** Up to `batchSize` rows; `null` once the end of the file was returned. */
  nextBatch(): Record<string, string>[] | null {
    let reads = 0;
    while (this.fd !== undefined && this.queue.length - this.head < this.batchSize && reads < MAX_READS_PER_BATCH) {
      const buf = Buffer.allocUnsafe(CHUNK_SIZE); // csv-parse keeps views of it
      const n = readChunk(this.fd, buf, this.readPos, this.path);
      reads++;
      if (n === 0) {
        this.reader.end(this.queue);
        this.close();
      } else {
        this.readPos += n;
        this.reader.write(buf.subarray(0, n), this.queue);
      }
    }
    const stop = Math.min(this.queue.length, this.head + this.batchSize);
    if (this.head === stop) return this.fd === undefined ? null : [];
    const rows = new Array<Record<string, string>>(stop - this.head);
    for (let i = this.head; i < stop; i++) {
      rows[i - this.head] = this.toRow(this.queue[i]);
    }
    this.offset = this.queue[stop - 1].end;
    this.head = stop;
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    }
    return rows;
  }

  /** The byte offset just after the last returned row. */
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

  private toRow(record: CsvRecord): Record<string, string> {
    const { fields } = record;
    const header = this.header;
    if (fields.length !== header.length && !this.relaxColumnCount) {
      throw new ConnectorError(
        `CSVSource row of '${this.path}' ending at byte ${record.end} has ${fields.length} fields; ` +
          `the header has ${header.length} (set \`relaxColumnCount\` to accept it)`,
      );
    }
    const row: Record<string, string> = {};
    const n = Math.min(fields.length, header.length);
    for (let i = 0; i < n; i++) {
      const key = header[i];
      if (key === "__proto__") {
        Object.defineProperty(row, key, { value: fields[i], enumerable: true, writable: true, configurable: true });
      } else {
        row[key] = fields[i];
      }
    }
    return row;
  }
}

/**
 * A synchronous facade over the streaming `csv-parse` parser.
 *
 * @module
 */
import { parse, type Options, type Parser } from "csv-parse";
import { ConnectorError, causeText } from "../../../errors.js";
import { CHUNK_SIZE, readChunk } from "./fileAccess.js";

/** @internal One parsed record and the absolute byte offset just after it. */
export interface CsvRecord {
  fields: string[];
  end: number;
}

/**
 * @internal Feeds byte chunks to a `csv-parse` stream and collects the
 * records synchronously. `write()` runs the parser's transform at once and
 * `read()` returns what it pushed (checked by the tests), so no event loop
 * turn is needed. With `info: true` each record carries `info.bytes`, the
 * bytes consumed up to the end of its record delimiter.
 */
export class CsvRecordReader {
  private readonly parser: Parser;

  /**
   * @param options - csv-parse options (`info` is forced on).
   * @param base - Absolute file offset of the first byte fed in.
   * @param path - The file, for error messages.
   */
  constructor(
    options: Options,
    private readonly base: number,
    private readonly path: string,
  ) {
    this.parser = parse({ ...options, info: true, relax_column_count: true });
    this.parser.on("error", () => {
      // reported synchronously through `parser.errored` in `drain`
    });
  }

  /** Parse `chunk` (which must not be reused by the caller afterwards). */
  write(chunk: Buffer, out: CsvRecord[]): void {
    this.parser.write(chunk);
    this.drain(out);
  }

  /** Signal the end of the file; the last record may be pushed now. */
  end(out: CsvRecord[]): void {
    this.parser.end();
    this.drain(out);
  }

  private drain(out: CsvRecord[]): void {
    let item: { record: string[]; info: { bytes: number } } | null;
    while ((item = this.parser.read() as typeof item) !== null) {
      out.push({ fields: item.record, end: this.base + item.info.bytes });
    }
    const err = this.parser.errored;
    if (err) {
      throw new ConnectorError(`CSVSource cannot parse '${this.path}': ${causeText(err)}`, { cause: err });
    }
  }
}

/**
 * @internal Read the header record of a CSV file, from its start.
 *
 * @returns The header fields and the offset after them, or `undefined` for
 *   a file without any record.
 */
export function readCsvHeader(fd: number, path: string, options: Options): CsvRecord | undefined {
  const reader = new CsvRecordReader({ ...options, bom: true, to: 1 }, 0, path);
  const out: CsvRecord[] = [];
  let position = 0;
  while (out.length === 0) {
    const buf = Buffer.allocUnsafe(CHUNK_SIZE);
    const n = readChunk(fd, buf, position, path);
    if (n === 0) {
      reader.end(out);
      break;
    }
    position += n;
    reader.write(buf.subarray(0, n), out);
  }
  return out[0];
}

/**
 * `CSVSource`: the rows of a CSV file as objects keyed by the header.
 *
 * @module
 */
import { parse, type Options } from "csv-parse";
import { FixedPartitionedSource, type StatefulSourcePartition } from "../../inputs/source.js";
import { BuildError, ConnectorError, causeText } from "../../errors.js";
import { checkBatchSize, checkResumeOffset, closeQuietly, openForReading } from "./internal/fileAccess.js";
import { CsvPartition } from "./internal/csvPartition.js";
import { readCsvHeader } from "./internal/csvRows.js";

/**
 * Options of {@link CSVSource}. All but `batchSize` and `relaxColumnCount`
 * are passed to [csv-parse](https://csv.js.org/parse/options/).
 *
 * @category Connectors
 */
export interface CSVSourceOptions {
  /** Most rows emitted per batch. Default `1000`. */
  batchSize?: number;
  /** Field delimiter, one or more characters. Default `","`. */
  delimiter?: string;
  /** Quote character; `null` turns quoting off. Default `'"'`. */
  quote?: string | null;
  /** Escape character inside quoted fields. Default: the quote character. */
  escape?: string;
  /** Lines starting with this are comments and skipped. Default: none. */
  comment?: string;
  /** Trim whitespace around fields. Default `false`. */
  trim?: boolean;
  /** Skip empty lines instead of reading them as rows. Default `true`. */
  skipEmptyLines?: boolean;
  /** Accept quotes inside unquoted fields. Default `false`. */
  relaxQuotes?: boolean;
  /**
   * Accept rows with more or fewer fields than the header: missing columns
   * are left out of the row object, extra fields are dropped. Default
   * `false`: such a row is an error.
   */
  relaxColumnCount?: boolean;
}

/**
 * Reads a UTF-8 CSV file: the first record is the header, every following
 * record is emitted as an object of strings keyed by the header's names.
 * Quoted fields may hold delimiters and newlines.
 *
 * One partition, named by `path`. The resume state is the byte offset just
 * after the last emitted row; on resume the header is read again from the
 * start of the file. The file is fed to the streaming parser in 64 KiB
 * chunks, never read whole.
 *
 * @category Connectors
 * @example
 * ```ts
 * // people.csv holds:
 * // name,city
 * // "Doe, Jane",Paris
 * const flow = new Dataflow("csv");
 * flow.input("in", new CSVSource("people.csv")).output("out", new StdOutSink());
 * await runMain(flow);
 * // prints: { name: 'Doe, Jane', city: 'Paris' }
 * ```
 */
export class CSVSource extends FixedPartitionedSource<Record<string, string>, number> {
  private readonly batchSize: number;
  private readonly relaxColumnCount: boolean;
  private readonly parserOptions: Options;

  /**
   * @param path - The CSV file. It is opened when the partition is built.
   * @param options - See {@link CSVSourceOptions}.
   * @throws {@link sluice!BuildError | BuildError} if an option is invalid.
   */
  constructor(
    readonly path: string,
    options: CSVSourceOptions = {},
  ) {
    super();
    this.batchSize = checkBatchSize("CSVSource", options.batchSize ?? 1000);
    this.relaxColumnCount = options.relaxColumnCount ?? false;
    this.parserOptions = toParserOptions(options);
    try {
      parse(this.parserOptions).destroy();
    } catch (err) {
      throw new BuildError(`CSVSource for '${path}' has invalid options: ${causeText(err)}`, { cause: err });
    }
  }

  /**
   * The single partition: the path, exactly as given.
   *
   * @returns `[path]`.
   */
  listParts(): string[] {
    return [this.path];
  }

  /**
   * Open the file, read its header and position it at `resumeState`.
   *
   * @param stepId - Full id of the input step, for error messages.
   * @param forPart - The path (the only partition).
   * @param resumeState - Byte offset of the next row, or `undefined` for the first row.
   * @returns A partition yielding the file's rows.
   * @throws {@link sluice!ConnectorError | ConnectorError} if the file cannot be opened (the message
   *   names the path), its header cannot be parsed, or it is shorter than
   *   `resumeState`.
   */
  buildPart(
    stepId: string,
    forPart: string,
    resumeState: number | undefined,
  ): StatefulSourcePartition<Record<string, string>, number> {
    if (forPart !== this.path) {
      throw new ConnectorError(`CSVSource for '${this.path}' in step '${stepId}' has no partition '${forPart}'`);
    }
    const resume = checkResumeOffset("CSVSource", this.path, resumeState);
    const fd = openForReading("CSVSource", stepId, this.path, resume);
    let header;
    try {
      header = readCsvHeader(fd, this.path, this.parserOptions);
    } catch (err) {
      closeQuietly(fd);
      throw err;
    }
    // A file without a header yet reads nothing; once one is written, rows start after it.
    const start = Math.max(resume ?? 0, header?.end ?? 0);
    const names = header?.fields ?? [];
    return new CsvPartition(fd, this.path, names, this.parserOptions, this.batchSize, this.relaxColumnCount, start);
  }
}

function toParserOptions(options: CSVSourceOptions): Options {
  const out: Options = {
    delimiter: options.delimiter ?? ",",
    quote: options.quote === null ? false : (options.quote ?? '"'),
    skip_empty_lines: options.skipEmptyLines ?? true,
    trim: options.trim ?? false,
    relax_quotes: options.relaxQuotes ?? false,
  };
  if (options.escape !== undefined) out.escape = options.escape;
  if (options.comment !== undefined) out.comment = options.comment;
  return out;
}

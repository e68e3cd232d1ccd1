/**
 * `FileSource`: the lines of one file.
 *
 * @module
 */
import { FixedPartitionedSource, type StatefulSourcePartition } from "../../inputs/source.js";
import { ConnectorError } from "../../errors.js";
import { checkBatchSize, checkResumeOffset, openForReading } from "./internal/fileAccess.js";
import { LinePartition } from "./internal/linePartition.js";

/**
 * Options of {@link FileSource}.
 *
 * @category Connectors
 */
export interface FileSourceOptions {
  /** Most lines emitted per batch. Default `1000`. */
  batchSize?: number;
}

/**
 * Reads a UTF-8 text file line by line, resumably.
 *
 * One partition, named by `path` exactly as given. Each line is emitted
 * without its `\n` (and without a `\r` before it, so CRLF files read the
 * same); blank lines are kept; a last line without a newline is emitted too.
 * The input ends at the end of the file.
 *
 * The resume state is the byte offset just after the last emitted line. A
 * resumed run continues from there, so lines appended to the file after a
 * run ended are read by the next run. (A last line that had no newline was
 * already emitted: text appended directly after it is read as a new line.)
 *
 * The file is read in 64 KiB chunks; a batch reads at most about 1 MiB, so
 * `nextBatch` never blocks for long and the file is never held in memory.
 *
 * @category Connectors
 * @example
 * ```ts
 * // lines.txt holds "a\nb\n"
 * const flow = new Dataflow("lines");
 * flow.input("in", new FileSource("lines.txt")).output("out", new StdOutSink());
 * await runMain(flow);
 * // prints:
 * // a
 * // b
 * ```
 */
export class FileSource extends FixedPartitionedSource<string, number> {
  private readonly batchSize: number;

  /**
   * @param path - The file to read. It is opened when the partition is built.
   * @param options - See {@link FileSourceOptions}.
   * @throws {@link sluice!BuildError | BuildError} if `batchSize` is not a positive integer.
   */
  constructor(
    readonly path: string,
    options: FileSourceOptions = {},
  ) {
    super();
    this.batchSize = checkBatchSize("FileSource", options.batchSize ?? 1000);
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
   * Open the file and position it at `resumeState`.
   *
   * @param stepId - Full id of the input step, for error messages.
   * @param forPart - The path (the only partition).
   * @param resumeState - Byte offset to continue at, or `undefined` for the start.
   * @returns A partition yielding the file's lines.
   * @throws {@link sluice!ConnectorError | ConnectorError} if the file cannot be opened (the message
   *   names the path) or is shorter than `resumeState`.
   */
  buildPart(stepId: string, forPart: string, resumeState: number | undefined): StatefulSourcePartition<string, number> {
    if (forPart !== this.path) {
      throw new ConnectorError(`FileSource for '${this.path}' in step '${stepId}' has no partition '${forPart}'`);
    }
    const start = checkResumeOffset("FileSource", this.path, resumeState);
    const fd = openForReading("FileSource", stepId, this.path, start);
    return new LinePartition(fd, this.path, this.batchSize, start ?? 0);
  }
}

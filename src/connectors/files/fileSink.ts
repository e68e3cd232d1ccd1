/**
 * `FileSink`: values written as lines of one file, exactly once.
 *
 * @module
 */
import { FixedPartitionedSink, type StatefulSinkPartition } from "../../outputs/sink.js";
import { ConnectorError } from "../../errors.js";
import { checkResumeOffset } from "./internal/fileAccess.js";
import { FileWriterPartition } from "./internal/fileWriter.js";

/**
 * Options of {@link FileSink}.
 *
 * @category Connectors
 */
export interface FileSinkOptions {
  /** Written after each value. Default `"\n"`. */
  end?: string;
}

/**
 * Writes string values to one file, each followed by `end` (a newline by
 * default). It takes `[key, value]` items like every fixed-partitioned sink;
 * with a single partition, the key does not matter.
 *
 * Exactly once across restarts: the resume state is the byte offset after
 * the last written value; a resumed run truncates the file to that offset
 * (dropping output written after the last snapshot) and writes on from
 * there. A run without resume state truncates the file to empty, creating
 * it if needed (not its directory). A value that is not a string fails the
 * step with a `TypeError`.
 *
 * A path that is not a regular file — `/dev/null`, `/dev/stdout`, a FIFO
 * (named pipe) — cannot be truncated or rewound: it is written as a stream,
 * never truncated, so output replayed after a restart is written again (at
 * least once). Opening a FIFO waits for a reader, as a shell redirection
 * does.
 *
 * @category Connectors
 * @example
 * ```ts
 * const flow = new Dataflow("out");
 * flow
 *   .input("in", new TestingSource(["a", "b"]))
 *   .keyOn("k", () => "all")
 *   .output("out", new FileSink("out.txt"));
 * await runMain(flow);
 * // out.txt holds "a\nb\n"
 * ```
 */
export class FileSink extends FixedPartitionedSink<string, number> {
  private readonly end: string;

  /**
   * @param path - The file to write.
   * @param options - See {@link FileSinkOptions}.
   */
  constructor(
    readonly path: string,
    options: FileSinkOptions = {},
  ) {
    super();
    this.end = options.end ?? "\n";
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
   * Open the file, truncated to `resumeState` (or to empty).
   *
   * @param stepId - Full id of the output step, for error messages.
   * @param forPart - The path (the only partition).
   * @param resumeState - Byte offset after the last value written before the snapshot.
   * @returns A partition writing to the file.
   * @throws {@link sluice!ConnectorError | ConnectorError} if the file cannot be opened (the message
   *   names the path) or is shorter than `resumeState`.
   */
  buildPart(stepId: string, forPart: string, resumeState: number | undefined): StatefulSinkPartition<string, number> {
    if (forPart !== this.path) {
      throw new ConnectorError(`FileSink for '${this.path}' in step '${stepId}' has no partition '${forPart}'`);
    }
    const resume = checkResumeOffset("FileSink", this.path, resumeState);
    return new FileWriterPartition("FileSink", stepId, this.path, this.end, resume);
  }
}

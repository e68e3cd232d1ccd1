/**
 * `DirSink`: values spread over a fixed number of files in a directory.
 *
 * @module
 */
import * as fs from "node:fs";
import * as nodePath from "node:path";
import { FixedPartitionedSink, type StatefulSinkPartition } from "../../outputs/sink.js";
import { BuildError, ConnectorError, describeType } from "../../errors.js";
import { stableHash } from "../../internal/hash.js";
import { checkResumeOffset, describeFsError } from "./internal/fileAccess.js";
import { FileWriterPartition } from "./internal/fileWriter.js";

/**
 * Options of {@link DirSink}.
 *
 * @category Connectors
 */
export interface DirSinkOptions {
  /**
   * Name of file `i` of `n`. Names must be distinct. Default
   * `` (i) => `part_${i}` ``.
   */
  fileNamer?: (i: number, n: number) => string;
  /**
   * Which file (`0 <= i < fileCount`) a key's values go to. Must return the
   * same in every process. Default: {@link stableHash} of the key modulo
   * `fileCount`.
   */
  assignFile?: (key: string) => number;
  /** Written after each value. Default `"\n"`. */
  end?: string;
}

/**
 * Writes string values to `fileCount` files in a directory (one partition
 * per file), each value followed by `end`. The key of each `[key, value]`
 * item picks the file with `assignFile`, so all values of a key land in the
 * same file, in order.
 *
 * Each file behaves like a {@link FileSink}: exactly once across restarts
 * (truncated to the snapshotted offset on resume, to empty otherwise). The
 * directory is created if it does not exist.
 *
 * @category Connectors
 * @example
 * ```ts
 * const sink = new DirSink("out", 2, { assignFile: (key) => (key === "a" ? 0 : 1) });
 * sink.listParts(); // ["part_0", "part_1"]
 * flow.input("in", new TestingSource([["a", "x"], ["b", "y"]] as const)).output("out", sink);
 * await runMain(flow);
 * // out/part_0 holds "x\n", out/part_1 holds "y\n"
 * ```
 */
export class DirSink extends FixedPartitionedSink<string, number> {
  private readonly names: string[];
  /** `sortedPosition[i]`: the index of file `i`'s name in the sorted names. */
  private readonly sortedPosition: number[];
  private readonly assignFile: (key: string) => number;
  private readonly end: string;

  /**
   * @param dir - The directory holding the files.
   * @param fileCount - How many files to write, a positive integer.
   * @param options - See {@link DirSinkOptions}.
   * @throws {@link sluice!BuildError | BuildError} if `fileCount` is not a positive integer or
   *   `fileNamer` does not return distinct non-empty strings.
   */
  constructor(
    readonly dir: string,
    readonly fileCount: number,
    options: DirSinkOptions = {},
  ) {
    super();
    if (!Number.isSafeInteger(fileCount) || fileCount < 1) {
      throw new BuildError(`DirSink for '${dir}': \`fileCount\` must be a positive integer; got ${String(fileCount)}`);
    }
    const fileNamer = options.fileNamer ?? ((i: number) => `part_${i}`);
    this.names = [];
    for (let i = 0; i < fileCount; i++) {
      const name = fileNamer(i, fileCount);
      if (typeof name !== "string" || name === "" || this.names.includes(name)) {
        const got = typeof name === "string" ? JSON.stringify(name) : describeType(name);
        throw new BuildError(`DirSink for '${dir}': \`fileNamer\` must return distinct non-empty strings; got ${got} for file ${i}`);
      }
      this.names.push(name);
    }
    const sorted = [...this.names].sort();
    this.sortedPosition = this.names.map((name) => sorted.indexOf(name));
    this.assignFile = options.assignFile ?? ((key: string) => stableHash(key) % fileCount);
    this.end = options.end ?? "\n";
  }

  /**
   * The file names, in file order (`fileNamer(0, n)`, `fileNamer(1, n)`, ...).
   *
   * @returns One name per file.
   */
  listParts(): string[] {
    return [...this.names];
  }

  /**
   * Route a key to its file: the position of `fileNamer(assignFile(key), n)`
   * among the sorted file names, which is how partitions are picked.
   *
   * @param key - The item's key.
   * @returns An index into the sorted partition names.
   * @throws RangeError if `assignFile` returns something other than an
   *   integer in `[0, fileCount)`.
   */
  override partFn(key: string): number {
    const i = this.assignFile(key);
    const position = this.sortedPosition[i];
    if (!Number.isInteger(i) || position === undefined) {
      throw new RangeError(
        `DirSink for '${this.dir}': \`assignFile\` must return an integer in [0, ${this.fileCount}); got ${String(i)} for key '${key}'`,
      );
    }
    return position;
  }

  /**
   * Open one file of the directory (creating the directory if needed),
   * truncated to `resumeState` (or to empty).
   *
   * @param stepId - Full id of the output step, for error messages.
   * @param forPart - A file name from `listParts()`.
   * @param resumeState - Byte offset after the last value written before the snapshot.
   * @returns A partition writing to the file.
   * @throws {@link sluice!ConnectorError | ConnectorError} if the directory or file cannot be opened.
   */
  buildPart(stepId: string, forPart: string, resumeState: number | undefined): StatefulSinkPartition<string, number> {
    if (!this.names.includes(forPart)) {
      throw new ConnectorError(`DirSink for '${this.dir}' in step '${stepId}' has no partition '${forPart}'`);
    }
    const path = nodePath.join(this.dir, forPart);
    const resume = checkResumeOffset("DirSink", path, resumeState);
    try {
      fs.mkdirSync(this.dir, { recursive: true });
    } catch (err) {
      throw new ConnectorError(`DirSink in step '${stepId}' cannot create directory '${this.dir}': ${describeFsError(err)}`, {
        cause: err,
      });
    }
    return new FileWriterPartition("DirSink", stepId, path, this.end, resume);
  }
}

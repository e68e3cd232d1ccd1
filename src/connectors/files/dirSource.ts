/**
 * `DirSource`: the lines of every matching file in a directory.
 *
 * @module
 */
import * as fs from "node:fs";
import * as nodePath from "node:path";
import picomatch from "picomatch";
import { FixedPartitionedSource, type StatefulSourcePartition } from "../../inputs/source.js";
import { ConnectorError } from "../../errors.js";
import { checkBatchSize, checkResumeOffset, describeFsError, openForReading } from "./internal/fileAccess.js";
import { LinePartition } from "./internal/linePartition.js";
import { globCrossesDirectories, listFiles } from "./internal/walk.js";

/**
 * Options of {@link DirSource}.
 *
 * @category Connectors
 */
export interface DirSourceOptions {
  /**
   * Which files to read: a [picomatch](https://github.com/micromatch/picomatch)
   * glob matched against each file's path relative to the directory, with
   * `/` separators. Default `"*"`: the files directly in the directory (not
   * in subdirectories, not dot files). `"sub/*.log"` reads the `.log` files
   * of `sub`; a pattern with `**` walks the whole tree (`"**"` reads every
   * file in it).
   */
  glob?: string;
  /** Most lines emitted per batch, per file. Default `1000`. */
  batchSize?: number;
}

/**
 * Reads the lines of every regular file in a directory whose relative path
 * matches a glob: one partition per file, each read like {@link FileSource}
 * (newline stripped, resumable by byte offset).
 *
 * Partition names are the file paths relative to `dir`, with `/`
 * separators, sorted. The file list is taken when the flow starts; files
 * created later are not read in that run.
 *
 * @category Connectors
 * @example
 * ```ts
 * // logs/ holds a.log ("x\n"), b.log ("y\n") and notes.txt
 * const src = new DirSource("logs", { glob: "*.log" });
 * src.listParts(); // ["a.log", "b.log"]
 * flow.input("in", src).output("out", new StdOutSink());
 * // prints x and y (files are read in parallel, so in any order)
 * ```
 */
export class DirSource extends FixedPartitionedSource<string, number> {
  private readonly glob: string;
  private readonly batchSize: number;
  private readonly isMatch: (relPath: string) => boolean;

  /**
   * @param dir - The directory to read.
   * @param options - See {@link DirSourceOptions}.
   * @throws {@link sluice!BuildError | BuildError} if `batchSize` is not a positive integer.
   */
  constructor(
    readonly dir: string,
    options: DirSourceOptions = {},
  ) {
    super();
    this.glob = options.glob ?? "*";
    this.batchSize = checkBatchSize("DirSource", options.batchSize ?? 1000);
    this.isMatch = picomatch(this.glob);
  }

  /**
   * The matching files, relative to the directory, sorted.
   *
   * @returns Relative paths with `/` separators.
   * @throws {@link sluice!ConnectorError | ConnectorError} if the directory cannot be read (the
   *   message names it).
   */
  listParts(): string[] {
    let files: string[];
    try {
      files = listFiles(this.dir, globCrossesDirectories(this.glob));
    } catch (err) {
      throw new ConnectorError(`DirSource cannot list directory '${this.dir}': ${describeFsError(err)}`, { cause: err });
    }
    return files.filter((file) => this.isMatch(file)).sort();
  }

  /**
   * Open one file of the directory, positioned at `resumeState`.
   *
   * @param stepId - Full id of the input step, for error messages.
   * @param forPart - A path relative to the directory, from `listParts()`.
   * @param resumeState - Byte offset to continue at, or `undefined` for the start.
   * @returns A partition yielding the file's lines.
   * @throws {@link sluice!ConnectorError | ConnectorError} if the file cannot be opened.
   */
  buildPart(stepId: string, forPart: string, resumeState: number | undefined): StatefulSourcePartition<string, number> {
    const path = nodePath.join(this.dir, ...forPart.split("/"));
    const start = checkResumeOffset("DirSource", path, resumeState);
    if (!fs.existsSync(this.dir)) {
      throw new ConnectorError(`DirSource in step '${stepId}' cannot read directory '${this.dir}': no such file or directory`);
    }
    const fd = openForReading("DirSource", stepId, path, start);
    return new LinePartition(fd, path, this.batchSize, start ?? 0);
  }
}

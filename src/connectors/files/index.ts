/**
 * File connectors: read lines or CSV rows from files and directories, write
 * lines to files, resumably and exactly once.
 * `import { FileSource, FileSink } from "sluice/connectors/files"`.
 *
 * @module sluice/connectors/files
 */
export { FileSource, type FileSourceOptions } from "./fileSource.js";
export { DirSource, type DirSourceOptions } from "./dirSource.js";
export { CSVSource, type CSVSourceOptions } from "./csvSource.js";
export { FileSink, type FileSinkOptions } from "./fileSink.js";
export { DirSink, type DirSinkOptions } from "./dirSink.js";

/**
 * Standard I/O connectors: `import { StdOutSink } from "sluice/connectors/stdio"`.
 *
 * @module sluice/connectors/stdio
 */
export { StdOutSink } from "./stdOutSink.js";

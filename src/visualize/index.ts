/**
 * Pictures of a dataflow: `import { toMermaid, toJson, toDot } from
 * "sluice/visualize"`, or `sluice visualize flow.ts [-o mermaid|json]` from a
 * shell.
 *
 * @module sluice/visualize
 */
export { toMermaid } from "./mermaid.js";
export { toJson } from "./json.js";
export { toDot } from "./dot.js";

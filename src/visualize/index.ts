/**
 * Pictures of a dataflow: `import { toMermaid, toJson, toDot, toSvg, toHtml }
 * from "sluice/visualize"`, or `sluice visualize flow.ts [-o
 * mermaid|json|dot|svg|html]` from a shell.
 *
 * @module sluice/visualize
 */
export { toMermaid } from "./mermaid.js";
export { toJson } from "./json.js";
export { toDot } from "./dot.js";
export { toSvg } from "./svg.js";
export { toHtml } from "./html.js";

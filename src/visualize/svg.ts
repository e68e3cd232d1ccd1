/**
 * `toSvg`: a dataflow drawn by Graphviz, as SVG.
 *
 * @module
 */
import type { Viz } from "@viz-js/viz";
import type { Dataflow } from "../dataflow/dataflow.js";
import { toDot } from "./dot.js";

/** Graphviz, loaded on first use: `sluice run` and `toMermaid` users never load its WebAssembly. */
let graphviz: Promise<Viz> | undefined;

/**
 * Draw the top-level steps of a dataflow as an SVG image: the graph of
 * {@link toDot}, laid out top to bottom by Graphviz (compiled to
 * WebAssembly, bundled with Sluice: no `dot` command, browser or network
 * needed).
 *
 * The result is a standalone SVG document (with its XML declaration), ready
 * to write to a `.svg` file. Each step's box is a `<g>` element with
 * `id="step-<stepId>"` and `class="node step"`, whose `<title>` is the step
 * id; the `-` of the id is written `&#45;`, which an XML or HTML parser
 * reads back as `-`, so `document.getElementById("step-f.in")` finds it.
 *
 * @param flow - The dataflow to draw.
 * @returns The SVG text.
 * @throws {@link sluice!BuildError} when `flow` is not a `Dataflow`.
 * @category Visualize
 * @example
 * ```ts
 * const flow = new Dataflow("f");
 * flow.input("in", new TestingSource([1])).map("add", (x) => x + 1).output("out", new TestingSink([]));
 * const svg = await toSvg(flow);
 * // svg starts with '<?xml version="1.0" encoding="UTF-8" standalone="no"?>' and holds, for the step 'f.add':
 * // <g id="step&#45;f.add" class="node step">
 * // <title>f.add</title>
 * // <path fill="none" stroke="black" d="M…"/>
 * // <text … font-family="Helvetica,Arial,sans-serif" font-size="14.00">add (map)</text>
 * // </g>
 * ```
 */
export async function toSvg(flow: Dataflow): Promise<string> {
  const dot = toDot(flow);
  graphviz ??= import("@viz-js/viz").then((viz) => viz.instance());
  return (await graphviz).renderString(dot, { format: "svg" });
}

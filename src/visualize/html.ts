/**
 * `toHtml`: a dataflow's picture as a self-contained HTML page.
 *
 * @module
 */
import type { Dataflow } from "../dataflow/dataflow.js";
import { toSvg } from "./svg.js";

/**
 * Draw a dataflow as a self-contained HTML page: the SVG of {@link toSvg},
 * inline, under the flow id as the page's title. The page loads nothing (no
 * script, style sheet, font or image from elsewhere), so it opens from a
 * file, offline, and can be mailed or attached as it is.
 *
 * The `<svg>` sits in `<main id="dataflow" data-flow-id="<flowId>">`, and
 * each step's box keeps its `id="step-<stepId>"` and `class="node step"`,
 * for a script that colours or annotates steps.
 *
 * @param flow - The dataflow to draw.
 * @returns The HTML text, ending with a newline.
 * @throws {@link sluice!BuildError} when `flow` is not a `Dataflow`.
 * @category Visualize
 * @example
 * ```ts
 * const flow = new Dataflow("wordcount");
 * flow.input("in", new TestingSource(["a b"])).flatMap("split", (s) => s.split(" ")).output("out", new TestingSink([]));
 * await writeFile("wordcount.html", await toHtml(flow));
 * // wordcount.html:
 * // <!DOCTYPE html>
 * // <html lang="en">
 * // <head>
 * // <meta charset="utf-8">
 * // <title>wordcount</title>
 * // …
 * // <main id="dataflow" data-flow-id="wordcount">
 * // <svg width="…pt" height="…pt" viewBox="…" xmlns="http://www.w3.org/2000/svg" …>
 * // …
 * ```
 */
export async function toHtml(flow: Dataflow): Promise<string> {
  const svg = await toSvg(flow);
  return pageOf(flow.flowId, svg);
}

/** The page around an SVG document, which loses its XML declaration, doctype and comments before `<svg`. */
function pageOf(flowId: string, svg: string): string {
  const start = svg.indexOf("<svg");
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(flowId)}</title>
<style>
body { margin: 0; padding: 1rem; background: #fff; }
#dataflow svg { max-width: 100%; height: auto; }
</style>
</head>
<body>
<main id="dataflow" data-flow-id="${escapeHtml(flowId)}">
${(start < 0 ? svg : svg.slice(start)).trimEnd()}
</main>
</body>
</html>
`;
}

function escapeHtml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;");
}

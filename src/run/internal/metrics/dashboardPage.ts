/**
 * The dashboard's page: one self-contained HTML document (no framework, no
 * build step, no external resources) that draws the dataflow and keeps its
 * numbers live from the server-sent events at `/events`.
 *
 * Its script (`dashboardScript.ts`) reads a `RunSnapshot` per event and
 * builds the page's figures from it.
 *
 * Every text from the run reaches the page as text (see the script); the
 * only markup made from it here is the title, escaped. The page's
 * Content-Security-Policy allows only its own inline script and style (by
 * hash) and connections to its own server.
 *
 * @module
 * @internal
 */
import { createHash } from "node:crypto";
import { DASHBOARD_SCRIPT as SCRIPT } from "./dashboardScript.js";

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

const STYLE = String.raw`
:root { --bg: #f6f7f9; --card: #fff; --fg: #1d2330; --muted: #667085; --line: #d0d5dd; --accent: #2563eb;
  --good: #16a34a; --warn: #d97706; --bad: #dc2626; --input: #0891b2; --output: #16a34a; --bar: #93c5fd; }
@media (prefers-color-scheme: dark) { :root { --bg: #11151c; --card: #1a2029; --fg: #e6e9ef; --muted: #98a2b3;
  --line: #344054; --accent: #60a5fa; --bar: #1d4ed8; } }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; background: var(--bg); color: var(--fg); }
header { display: flex; flex-wrap: wrap; align-items: baseline; gap: 8px 16px; padding: 14px 20px; border-bottom: 1px solid var(--line); background: var(--card); }
h1 { margin: 0; font-size: 20px; }
h2 { margin: 0 0 10px; font-size: 13px; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); }
.meta { color: var(--muted); display: flex; gap: 14px; flex-wrap: wrap; }
.badge { padding: 2px 10px; border-radius: 999px; font-weight: 600; font-size: 12px; color: #fff; background: var(--muted); }
.badge.running { background: var(--good); } .badge.eof, .badge.stopped { background: var(--accent); }
.badge.failed, .badge.aborted { background: var(--bad); }
#conn { margin-left: auto; color: var(--muted); font-size: 12px; }
main { padding: 16px 20px; display: grid; gap: 16px; grid-template-columns: repeat(auto-fit, minmax(380px, 1fr)); }
section { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 14px 16px; min-width: 0; }
section.wide { grid-column: 1 / -1; }
#graph-box { overflow-x: auto; }
#graph { display: block; max-width: 100%; height: auto; }
.step rect.box { fill: var(--card); stroke: var(--line); stroke-width: 1.5; }
.step.fused rect.box { stroke-dasharray: 5 3; }
.step text { fill: var(--fg); font-size: 12px; }
.step text.name { font-weight: 600; font-size: 14px; }
.step text.op, .step text.items { fill: var(--muted); }
.step text.fused-tag { fill: var(--warn); font-weight: 600; font-size: 11px; }
.step text.rate { font-variant-numeric: tabular-nums; font-weight: 600; }
.step rect.bar { fill: var(--accent); }
.step rect.kind { fill: var(--line); }
.step.input rect.kind { fill: var(--input); } .step.output rect.kind { fill: var(--output); }
.edge { fill: none; stroke: var(--muted); stroke-width: 1.5; }
.edge.back { stroke-dasharray: 4 4; }
.port { fill: var(--muted); font-size: 11px; }
.big { font-size: 32px; font-weight: 700; font-variant-numeric: tabular-nums; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 14px; margin: 8px 0 0; }
dt { color: var(--muted); } dd { margin: 0; font-variant-numeric: tabular-nums; }
#epoch-chart { display: block; width: 100%; height: 56px; margin-top: 10px; }
#epoch-chart rect { fill: var(--bar); } #epoch-chart rect.lag { fill: var(--accent); }
.worker { display: grid; grid-template-columns: 80px 1fr 64px; gap: 8px; align-items: center; margin: 6px 0; }
.track { height: 14px; background: var(--bg); border: 1px solid var(--line); border-radius: 4px; overflow: hidden; }
.fill { height: 100%; width: 0; background: var(--accent); transition: width .4s; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; padding: 4px 6px; border-bottom: 1px solid var(--line); white-space: nowrap; }
td:first-child { white-space: normal; overflow-wrap: anywhere; }
th { color: var(--muted); font-weight: 500; font-size: 12px; }
td.num, th.num { text-align: right; }
.empty { color: var(--muted); margin: 0; }
#errors { list-style: none; margin: 0; padding: 0; }
#errors li { border-left: 3px solid var(--bad); padding: 4px 10px; margin-bottom: 8px; }
#errors .what { font-weight: 600; } #errors .when { color: var(--muted); font-size: 12px; }
#errors .message { white-space: pre-wrap; overflow-wrap: anywhere; font-family: ui-monospace, monospace; font-size: 12px; margin-top: 2px; }
`;


const sha256 = (text: string): string => `'sha256-${createHash("sha256").update(text).digest("base64")}'`;

/** Only this page's own script and style, and connections back to its server. */
const CSP = `default-src 'none'; script-src ${sha256(SCRIPT)}; style-src ${sha256(STYLE)}; connect-src 'self'; img-src data:`;

const BODY = `<header>
<h1 id="flow"></h1><span id="state" class="badge">connecting</span>
<span class="meta"><span id="workers-n"></span><span id="interval"></span><span id="recovery"></span><span id="uptime"></span></span>
<span id="conn">connecting…</span>
</header>
<main>
<section class="wide"><h2>Dataflow</h2><p id="graph-wait" class="empty">Waiting for the flow's graph…</p>
<div id="graph-box"><svg id="graph" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="dataflow graph" width="0" height="0"></svg></div></section>
<section><h2>Epochs</h2><div class="big" id="epoch">—</div><div id="epoch-label" class="empty"></div>
<dl><dt>workers are in epoch</dt><dd id="epoch-current">—</dd><dt>its duration</dt><dd id="epoch-duration">—</dd>
<dt>commit lag</dt><dd id="commit-lag">—</dd><dt>snapshots written</dt><dd id="snapshot">—</dd><dt>whole run</dt><dd id="epoch-totals">—</dd></dl>
<svg id="epoch-chart" viewBox="0 0 600 56" preserveAspectRatio="none" aria-label="epoch durations, commit lag darker"></svg></section>
<section><h2>Worker load</h2><div id="workers"></div></section>
<section><h2>Source partitions</h2><table id="sources"><thead><tr><th>step</th><th>partition</th><th class="num">worker</th><th class="num">items</th><th class="num">items/s</th><th class="num">lag</th></tr></thead>
<tbody id="sources-body"></tbody></table><p id="sources-empty" class="empty">No source partition read yet.</p></section>
<section><h2>Exchanges</h2><table id="exchanges"><thead><tr><th>step</th><th class="num">sent</th><th class="num">kept local</th><th class="num">waiting</th></tr></thead>
<tbody id="exchanges-body"></tbody></table><p id="exchanges-empty" class="empty">No items exchanged between workers.</p></section>
<section class="wide"><h2>Recent errors</h2><ol id="errors"></ol><p id="errors-empty" class="empty">No errors.</p></section>
</main>`;

/** @internal The page for flow `flowId` (the title until the first snapshot names the flow). */
export function dashboardPage(flowId: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<link rel="icon" href="data:,">
<title>${escapeHtml(flowId)} · Sluice dashboard</title>
<style>${STYLE}</style></head>
<body>${BODY.replace('<h1 id="flow"></h1>', `<h1 id="flow">${escapeHtml(flowId)}</h1>`)}
<script>${SCRIPT}</script></body></html>`;
}

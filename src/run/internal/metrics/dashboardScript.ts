/**
 * The dashboard page's script, as text: plain JS that runs in the browser
 * (no build step), kept in a raw string so that its escapes reach the browser
 * as written. It has no backquotes, and no interpolation but `WINDOW_MS`.
 *
 * It reads a `RunSnapshot` per server-sent event. Counters are cumulative, so
 * rates are differences between a worker's samples (its own `at` times, over
 * about `WINDOW_MS`). A top-level step's count is, on each worker, the first
 * runtime node (in run order) that belongs to it: its own core steps
 * (`<stepId>.…`) or a node whose loop runs it (`userSteps`, when per-item
 * steps are fused). Only the first, because the others (an exchange's
 * receiving side, a window's inner steps) see the same items again. Inputs
 * count what they emit, other steps what they take in.
 *
 * Every text from the run (step ids and names, partitions, error messages)
 * reaches the page through `textContent` or an attribute, never as markup.
 *
 * @module
 * @internal
 */

/** Rates are taken over about this many ms of a worker's samples. */
const WINDOW_MS = 3000;

/** @internal The script of the dashboard's page. */
export const DASHBOARD_SCRIPT = String.raw`
"use strict";
const WINDOW_MS = ${WINDOW_MS};
const SVG = "http://www.w3.org/2000/svg";
const BOX_W = 164, BOX_H = 76, GAP_X = 52, GAP_Y = 22, PAD = 12;
const $ = (id) => document.getElementById(id);
function el(tag, attrs, text) {
  const e = tag.startsWith("svg:") ? document.createElementNS(SVG, tag.slice(4)) : document.createElement(tag);
  for (const k in attrs) e.setAttribute(k, String(attrs[k]));
  if (text !== undefined) e.textContent = text;
  return e;
}
function row(cells, attrs) {
  const tr = el("tr", attrs || {});
  for (const c of cells) tr.append(el("td", c.num ? { class: "num" } : {}, String(c.text)));
  return tr;
}
const intFmt = new Intl.NumberFormat("en-US");
const int = (n) => intFmt.format(Math.round(n));
const rate = (r) => (r === undefined ? "\u2014" : r < 10 ? r.toFixed(1) : int(r));
const ms = (v) => (v < 1000 ? int(v) + " ms" : (v / 1000).toFixed(2) + " s");
function bytes(b) {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (b >= 1024 && i < units.length - 1) { b /= 1024; i++; }
  return (i === 0 ? String(b) : b.toFixed(1)) + " " + units[i];
}
function span(v) {
  const s = Math.floor(v / 1000);
  return s < 60 ? s + " s" : s < 3600 ? Math.floor(s / 60) + " min " + (s % 60) + " s" : Math.floor(s / 3600) + " h " + Math.floor((s % 3600) / 60) + " min";
}
const clock = (at) => new Date(at).toLocaleTimeString();
const truncate = (s, n) => (s.length <= n ? s : s.slice(0, n - 1) + "\u2026");

let steps = [];        // the flow's top-level steps, once known
const boxes = new Map(); // stepId -> the elements a snapshot updates
let last;              // the latest snapshot
const history = [];    // per worker: its samples within the rate window, oldest first
let fetching = false;

// --- the graph: layers by longest path from the inputs, in build order.
function setGraph(graph) {
  if (!graph || !Array.isArray(graph.substeps) || steps.length > 0) return;
  steps = graph.substeps;
  const producer = new Map();
  steps.forEach((s, i) => s.downPorts.forEach((p) => producer.set(p.streamId, { i, port: p.portName })));
  const preds = steps.map(() => []);
  const edges = [];
  steps.forEach((s, i) => {
    for (const up of s.upPorts) for (const id of up.fromStreamIds) {
      const from = producer.get(id);
      if (from === undefined || edges.some((e) => e.from === from.i && e.to === i && e.port === from.port)) continue;
      if (!preds[i].includes(from.i)) preds[i].push(from.i);
      edges.push({ from: from.i, to: i, port: from.port, label: steps[from.i].downPorts.length > 1 });
    }
  });
  // Steps are recorded as they are built, so an upstream step comes first; an edge back is a loop.
  const layer = steps.map(() => 0);
  for (let i = 0; i < steps.length; i++) for (const j of preds[i]) if (j < i) layer[i] = Math.max(layer[i], layer[j] + 1);
  const layers = [];
  steps.forEach((_, i) => (layers[layer[i]] = layers[layer[i]] || []).push(i));
  const rows = Math.max(1, ...layers.map((m) => m.length));
  const pos = [];
  layers.forEach((members, l) => {
    // Each layer in the order of its steps' upstream positions, centred.
    const centre = (i) => {
      const ps = preds[i].filter((j) => j < i);
      return ps.length === 0 ? i : ps.reduce((a, j) => a + pos[j].y, 0) / ps.length;
    };
    const order = members.map((i) => ({ i, c: centre(i) })).sort((a, b) => a.c - b.c || a.i - b.i);
    const top = PAD + ((rows - members.length) * (BOX_H + GAP_Y)) / 2;
    order.forEach((o, r) => (pos[o.i] = { x: PAD + l * (BOX_W + GAP_X), y: top + r * (BOX_H + GAP_Y) }));
  });
  const back = edges.some((e) => e.from >= e.to);
  const width = PAD * 2 + layers.length * BOX_W + (layers.length - 1) * GAP_X;
  const height = PAD * 2 + rows * BOX_H + (rows - 1) * GAP_Y + (back ? 40 : 0);
  const svg = $("graph");
  svg.replaceChildren();
  svg.setAttribute("viewBox", "0 0 " + width + " " + height);
  svg.setAttribute("width", width);
  svg.setAttribute("height", height);
  const defs = el("svg:defs");
  const marker = el("svg:marker", { id: "arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" });
  marker.append(el("svg:path", { d: "M0,0 L10,5 L0,10 z", fill: "#98a2b3" }));
  defs.append(marker);
  svg.append(defs);
  for (const e of edges) {
    const a = pos[e.from], b = pos[e.to];
    let d;
    if (e.from < e.to) {
      const x1 = a.x + BOX_W, y1 = a.y + BOX_H / 2, x2 = b.x, y2 = b.y + BOX_H / 2;
      d = "M" + x1 + "," + y1 + " C" + (x1 + GAP_X / 2) + "," + y1 + " " + (x2 - GAP_X / 2) + "," + y2 + " " + x2 + "," + y2;
    } else {
      const x1 = a.x + BOX_W / 2, y1 = a.y + BOX_H, x2 = b.x + BOX_W / 2, y2 = b.y + BOX_H, low = height - 6;
      d = "M" + x1 + "," + y1 + " C" + x1 + "," + low + " " + x2 + "," + low + " " + x2 + "," + y2;
    }
    svg.append(el("svg:path", { class: "edge" + (e.from < e.to ? "" : " back"), d, "marker-end": "url(#arrow)", "data-from": steps[e.from].stepId, "data-to": steps[e.to].stepId }));
    // A step with several outputs (a branch) names the port of each edge, near its start.
    if (e.label) svg.append(el("svg:text", { class: "port", x: a.x + BOX_W + 8, y: a.y + BOX_H / 2 + (b.y > a.y ? 16 : b.y < a.y ? -8 : -6) }, e.port));
  }
  steps.forEach((s, i) => {
    const kind = s.opType === "input" ? " input" : s.opType === "output" ? " output" : "";
    const g = el("svg:g", { class: "step" + kind, "data-step": s.stepId, "data-op": s.opType, transform: "translate(" + pos[i].x + "," + pos[i].y + ")" });
    g.append(el("svg:title", {}, s.stepId + " (" + s.opType + ")"));
    g.append(el("svg:rect", { class: "box", width: BOX_W, height: BOX_H, rx: 8 }));
    g.append(el("svg:rect", { class: "kind", x: 0, y: 10, width: 4, height: BOX_H - 20, rx: 2 }));
    g.append(el("svg:text", { class: "name", x: 14, y: 22 }, truncate(s.stepName, 17)));
    const op = el("svg:text", { class: "op", x: 14, y: 40 }, truncate(s.opType, 16));
    const fused = el("svg:text", { class: "fused-tag", x: BOX_W - 10, y: 40, "text-anchor": "end" }, "");
    const r = el("svg:text", { class: "rate", x: 14, y: 60 }, "\u2014 /s");
    const items = el("svg:text", { class: "items", x: BOX_W - 10, y: 60, "text-anchor": "end" }, "0 items");
    const bar = el("svg:rect", { class: "bar", x: 0, y: BOX_H - 4, width: 0, height: 4, rx: 2 });
    g.append(op, fused, r, items, bar);
    $("graph").append(g);
    boxes.set(s.stepId, { g, op, fused, rate: r, items, bar, opType: s.opType });
  });
  $("graph-wait").hidden = true;
}

// --- counts: a step's count on one worker is its first runtime node's.
function belongs(node, id) {
  const prefix = id + ".";
  if (node.stepId === id || node.stepId.startsWith(prefix)) return true;
  return node.userSteps.some((u) => u === id || u.startsWith(prefix));
}
function stepCount(sample, s) {
  const node = sample.steps.find((n) => belongs(n, s.stepId));
  if (node === undefined) return 0;
  return s.opType === "input" ? node.itemsOut : node.itemsIn;
}
function rateOf(w, count) {
  const h = history[w];
  if (last && last.state !== "running") return 0;
  if (!h || h.length < 2) return undefined;
  const a = h[0], b = h[h.length - 1];
  return b.at > a.at ? Math.max(0, ((count(b) - count(a)) * 1000) / (b.at - a.at)) : undefined;
}
function remember(sample) {
  const h = (history[sample.worker] = history[sample.worker] || []);
  if (h.length > 0 && h[h.length - 1].at === sample.at) return;
  h.push(sample);
  while (h.length > 2 && h[1].at <= sample.at - WINDOW_MS) h.shift();
}
function sumRates(count) {
  let total, any = false;
  for (let w = 0; w < history.length; w++) {
    const r = rateOf(w, count);
    if (r !== undefined) { total = (total || 0) + r; any = true; }
  }
  return any ? total : undefined;
}

// --- rendering
function renderHeader(run) {
  document.title = run.flowId + " \u00b7 Sluice dashboard";
  $("flow").textContent = run.flowId;
  const state = $("state");
  state.textContent = run.state;
  state.className = "badge " + run.state;
  state.dataset.state = run.state;
  $("workers-n").textContent = run.workers + (run.workers === 1 ? " worker" : " workers");
  $("interval").textContent = "epoch every " + ms(run.epochInterval);
  $("recovery").textContent = run.recovery ? "recovery on" : "no recovery";
  $("uptime").textContent = "up " + span(run.now - run.startedAt);
}

function renderGraph(run) {
  const samples = run.samples.filter(Boolean);
  let max = 0;
  const figures = steps.map((s) => {
    let items = 0, keys, fusedWith;
    for (const sample of samples) {
      items += stepCount(sample, s);
      for (const n of sample.steps) {
        if (n.userSteps.indexOf(s.stepId) > 0) fusedWith = n.userSteps[0];
        if (belongs(n, s.stepId) && typeof n.keys === "number") keys = (keys || 0) + n.keys;
      }
    }
    const r = sumRates((sample) => stepCount(sample, s));
    if (r !== undefined) max = Math.max(max, r);
    return { s, items, keys, fusedWith, r };
  });
  for (const f of figures) {
    const b = boxes.get(f.s.stepId);
    b.g.dataset.items = String(f.items);
    b.g.dataset.rate = f.r === undefined ? "" : f.r.toFixed(2);
    b.rate.textContent = rate(f.r) + " /s";
    b.items.textContent = int(f.items) + " items";
    b.op.textContent = truncate(f.s.opType, 16) + (f.keys === undefined ? "" : " \u00b7 " + int(f.keys) + " keys");
    b.bar.setAttribute("width", max > 0 && f.r ? Math.max(2, (BOX_W * f.r) / max) : 0);
    b.fused.textContent = f.fusedWith === undefined ? "" : "fused";
    b.g.classList.toggle("fused", f.fusedWith !== undefined);
    if (f.fusedWith === undefined) delete b.g.dataset.fused;
    else b.g.dataset.fused = f.fusedWith;
    b.g.querySelector("title").textContent = f.s.stepId + " (" + f.s.opType + ")" + (f.fusedWith === undefined ? "" : ", fused: runs in the loop of " + f.fusedWith);
  }
}

function renderEpochs(run) {
  const e = run.epochs[run.epochs.length - 1];
  const epoch = $("epoch");
  epoch.textContent = e === undefined ? "\u2014" : String(e.epoch);
  epoch.dataset.epoch = e === undefined ? "" : String(e.epoch);
  $("epoch-label").textContent = run.recovery ? "last epoch committed" : "last epoch closed (no recovery)";
  const current = Math.max(0, ...run.samples.filter(Boolean).map((s) => s.epoch));
  $("epoch-current").textContent = current > 0 ? String(current) : "\u2014";
  $("epoch-duration").textContent = e === undefined ? "\u2014" : ms(e.durationMs);
  $("commit-lag").textContent = e === undefined ? "\u2014" : ms(e.commitLagMs);
  $("snapshot").textContent = e === undefined ? "\u2014" : int(e.keys) + " keys \u00b7 " + bytes(e.bytes);
  const t = run.epochTotals;
  const totals = $("epoch-totals");
  totals.textContent = int(t.count) + " epochs \u00b7 " + int(t.keys) + " keys \u00b7 " + bytes(t.bytes);
  totals.dataset.keys = String(t.keys);
  totals.dataset.bytes = String(t.bytes);
  const chart = $("epoch-chart");
  chart.replaceChildren();
  const shown = run.epochs.slice(-60);
  const top = Math.max(1, ...shown.map((x) => x.durationMs));
  const w = 600 / Math.max(30, shown.length);
  shown.forEach((x, i) => {
    const h = Math.max(1, (x.durationMs / top) * 56);
    const lag = Math.min(h, Math.max(x.commitLagMs > 0 ? 1 : 0, (x.commitLagMs / top) * 56));
    const bar = el("svg:rect", { x: i * w + 1, y: 56 - h, width: w - 2, height: h });
    bar.append(el("svg:title", {}, "epoch " + x.epoch + ": " + ms(x.durationMs) + ", commit lag " + ms(x.commitLagMs)));
    chart.append(bar, el("svg:rect", { class: "lag", x: i * w + 1, y: 56 - lag, width: w - 2, height: lag }));
  });
}

function renderWorkers(run) {
  const list = $("workers");
  list.replaceChildren();
  for (let w = 0; w < run.workers; w++) {
    const sample = run.samples[w] || undefined; // null in JSON until the worker sent one
    const load = sample === undefined ? undefined : rateOf(w, (s) => s.busyMs);
    const share = load === undefined ? undefined : Math.min(1, load / 1000);
    const div = el("div", { class: "worker", "data-worker": w, "data-load": share === undefined ? "" : share.toFixed(4) });
    div.append(el("span", {}, "worker " + w));
    const track = el("div", { class: "track" });
    const fill = el("div", { class: "fill" });
    fill.style.width = ((share || 0) * 100).toFixed(1) + "%";
    track.append(fill);
    div.append(track, el("span", { class: "num" }, share === undefined ? "\u2014" : (share * 100).toFixed(1) + " %"));
    div.title = sample === undefined ? "no sample yet" : "epoch " + sample.epoch + ", busy " + ms(sample.busyMs) + " in all";
    list.append(div);
  }
}

function renderSources(run) {
  const body = $("sources-body");
  body.replaceChildren();
  for (const sample of run.samples) {
    if (!sample) continue;
    for (const p of sample.sources) {
      const r = rateOf(sample.worker, (s) => {
        const q = s.sources.find((x) => x.stepId === p.stepId && x.partition === p.partition);
        return q === undefined ? 0 : q.items;
      });
      const lag = p.lag === undefined || p.lag === null ? "\u2014" : int(p.lag);
      body.append(row([{ text: p.stepId }, { text: p.partition }, { text: sample.worker, num: true }, { text: int(p.items), num: true }, { text: rate(r), num: true }, { text: lag, num: true }],
        { "data-source": p.stepId, "data-partition": p.partition, "data-items": p.items, "data-lag": lag }));
    }
  }
  $("sources-empty").hidden = body.children.length > 0;
}

function renderExchanges(run) {
  const body = $("exchanges-body");
  body.replaceChildren();
  const byStep = new Map();
  for (const sample of run.samples) {
    if (!sample) continue;
    for (const x of sample.exchanges) {
      const t = byStep.get(x.stepId) || { sent: 0, kept: 0, received: 0 };
      x.sent.forEach((n, to) => (to === sample.worker ? (t.kept += n) : (t.sent += n)));
      t.received += x.received;
      byStep.set(x.stepId, t);
    }
  }
  for (const [stepId, t] of byStep) {
    const waiting = Math.max(0, t.sent - t.received);
    body.append(row([{ text: stepId }, { text: int(t.sent), num: true }, { text: int(t.kept), num: true }, { text: int(waiting), num: true }], { "data-exchange": stepId, "data-waiting": waiting }));
  }
  $("exchanges-empty").hidden = byStep.size > 0;
}

function renderErrors(run) {
  const list = $("errors");
  list.replaceChildren();
  for (const e of run.errors.slice().reverse()) {
    const li = el("li", { "data-error": e.name });
    li.append(el("div", { class: "what" }, e.name + (e.stepId ? " in step " + e.stepId : "")));
    li.append(el("div", { class: "when" }, clock(e.at)));
    li.append(el("div", { class: "message" }, e.message));
    list.append(li);
  }
  $("errors-empty").hidden = run.errors.length > 0;
}

function onSnapshot(run) {
  last = run;
  for (const sample of run.samples) if (sample) remember(sample);
  if (steps.length === 0 && !fetching && run.samples.some(Boolean)) {
    // The graph comes with the first worker's first sample: ask for it.
    fetching = true;
    fetch("api/run").then((r) => r.json()).then((d) => setGraph(d.graph)).catch(() => {}).finally(() => { fetching = false; if (last) render(last); });
  }
  render(run);
}
function render(run) {
  renderHeader(run);
  if (steps.length > 0) renderGraph(run);
  renderEpochs(run);
  renderWorkers(run);
  renderSources(run);
  renderExchanges(run);
  renderErrors(run);
}

const conn = (text) => ($("conn").textContent = text);
const events = new EventSource("events");
events.addEventListener("graph", (e) => setGraph(JSON.parse(e.data)));
events.onmessage = (e) => onSnapshot(JSON.parse(e.data));
events.onopen = () => conn("live");
events.onerror = () => {
  if (last && last.state !== "running") {
    events.close();
    conn("the run ended; its server is gone");
  } else {
    conn("reconnecting\u2026");
  }
};
`;

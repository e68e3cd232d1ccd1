/**
 * Shared benchmark helpers: timing with CPU and memory, medians, tables, and
 * running one side of a comparison (Sluice, the hand-written loop, Bytewax)
 * in a fresh child process.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";

export interface Measure {
  /** Wall time, ms. */
  wallMs: number;
  /** User + system CPU time of this process, ms. */
  cpuMs: number;
  /** Peak resident set size seen during the run (sampled), bytes. */
  peakRss: number;
}

/** Run `body` once and measure it. */
export async function measure(body: () => Promise<void> | void): Promise<Measure> {
  let peakRss = process.memoryUsage.rss();
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }, 20);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  try {
    await body();
  } finally {
    clearInterval(sampler);
  }
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
  return { wallMs, cpuMs: (cpu.user + cpu.system) / 1000, peakRss };
}

/** Median of `reps` measurements (by wall time). */
export async function median(reps: number, body: () => Promise<void> | void): Promise<Measure> {
  const runs: Measure[] = [];
  for (let i = 0; i < reps; i++) runs.push(await measure(body));
  runs.sort((a, b) => a.wallMs - b.wallMs);
  return runs[Math.floor(runs.length / 2)];
}

/** A printable row: column name to value. */
export type Row = Record<string, string | number>;

/** How a number in column `col` is shown. */
export function formatCell(col: string, v: string | number): string {
  if (typeof v === "string") return v;
  if (col === "items/s" || col === "msgs/s" || col === "msgs/s less start-up") return rate(v, 1000);
  if (col === "sluice/limit" || col === "vs off") return `${(v * 100).toFixed(1)}%`;
  if (col === "sluice/bytewax") return `${v.toFixed(1)}x`;
  if (col === "sluice/fold" || col.endsWith("/flink")) return `${v.toFixed(2)}x`;
  if (col.endsWith("ev/s") || col.endsWith("ev/s/core")) return rate(v, 1000);
  if (col === "cpu % of a core" || col === "over limit, % of a core") return `${v.toFixed(2)}%`;
  return String(v);
}

/**
 * The columns of `rows`, in the order of the first row; a column first seen
 * in a later row goes right after the column before it in that row (W4's
 * sliding rows add `sluice/fold` next to the other ratios).
 */
export function columnsOf(rows: Row[]): string[] {
  const cols: string[] = [];
  for (const r of rows) {
    let at = 0;
    for (const c of Object.keys(r)) {
      const i = cols.indexOf(c);
      if (i >= 0) at = i + 1;
      else cols.splice(at++, 0, c);
    }
  }
  return cols;
}

/** Format a table of rows for the terminal (a cell a row lacks is blank). */
export function table(rows: Row[]): string {
  if (rows.length === 0) return "(no rows)";
  const cols = columnsOf(rows);
  const cells = rows.map((r) => cols.map((c) => (r[c] === undefined ? "" : formatCell(c, r[c]))));
  const widths = cols.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i].length)));
  const line = (vals: string[]): string => vals.map((v, i) => v.padStart(widths[i])).join("  ");
  return [line(cols), line(widths.map((w) => "-".repeat(w))), ...cells.map(line)].join("\n");
}

/** Items per second, formatted. */
export function rate(items: number, ms: number): string {
  const perSec = (items / ms) * 1000;
  return perSec >= 1e6 ? `${(perSec / 1e6).toFixed(2)}M` : `${(perSec / 1e3).toFixed(1)}k`;
}

/** Whether `--quick` was passed (CI smoke run: tiny inputs, one repetition). */
export const QUICK = process.argv.includes("--quick");
/** Repetitions per measurement: 1 with `--quick`, else `BENCH_REPS` (default 3). */
export const REPS = QUICK ? 1 : Math.max(1, Number(process.env.BENCH_REPS ?? 3));
/** Whether `--no-bytewax` was passed (full run without the Bytewax side). */
export const NO_BYTEWAX = process.argv.includes("--no-bytewax");

/** One measured run of one side, as the child process reports it. */
export interface Sample {
  /** Wall time of the measured run (no process start-up, no input loading), ms. */
  wallMs: number;
  /** CPU time (user + system, all threads) of the measured run, ms. */
  cpuMs: number;
  /** Peak RSS of the whole child process (input held in memory included), bytes. */
  peakRss: number;
  /** Items the run processed (the input size). */
  items: number;
  /** A digest of the output, equal on every side when they did the same work. */
  check: string;
}

/** A pass/fail line of the "targets" table. */
export interface Target {
  target: string;
  measured: string;
  met: boolean;
}

/** What a benchmark returns: its table, and the targets it checks. */
export interface BenchOutput {
  rows: Row[];
  targets?: Target[];
  notes?: string[];
}

const BENCH_DIR = fileURLToPath(new URL(".", import.meta.url));
const SIDE_SCRIPT = fileURLToPath(new URL("./side.ts", import.meta.url));
/** The Python of the Bytewax virtual environment made by `bench/bytewax/setup.sh`. */
export const BYTEWAX_PYTHON = `${BENCH_DIR}.venv/bin/python`;

let bytewaxNoticePrinted = false;

/**
 * Whether to run the Bytewax side: the venv must exist. A quick run without
 * it skips Bytewax (and says so); a full run without it fails, unless
 * `--no-bytewax` was passed.
 */
export function bytewaxEnabled(): boolean {
  if (NO_BYTEWAX) return false;
  if (existsSync(BYTEWAX_PYTHON)) return true;
  if (!QUICK) {
    throw new Error(`no Bytewax venv at ${BYTEWAX_PYTHON}: run \`bash bench/bytewax/setup.sh\` first, or pass --no-bytewax`);
  }
  if (!bytewaxNoticePrinted) {
    console.log(`(Bytewax skipped: no venv at ${BYTEWAX_PYTHON}; run \`bash bench/bytewax/setup.sh\` to include it)`);
    bytewaxNoticePrinted = true;
  }
  return false;
}

function runChild(file: string, args: string[], timeoutMs: number): Promise<Sample> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { cwd: `${BENCH_DIR}..`, maxBuffer: 1 << 24, timeout: timeoutMs }, (err, stdout, stderr) => {
      if (err !== null) {
        reject(new Error(`${file} ${args.join(" ")} failed: ${err.message}\n${stderr}`));
        return;
      }
      const lines = stdout.trim().split("\n");
      try {
        resolve(JSON.parse(lines[lines.length - 1]) as Sample);
      } catch {
        reject(new Error(`${file} ${args.join(" ")} printed no result:\n${stdout}\n${stderr}`));
      }
    });
  });
}

/**
 * Run side `side` ("sluice" or "limit") of workload module `mod` (`bench/<mod>.ts`)
 * once, in a fresh Node process (with tsx), with `params`.
 */
export function runNodeSide(mod: string, side: string, params: object, timeoutMs = 600_000): Promise<Sample> {
  return runChild(process.execPath, ["--import", "tsx", SIDE_SCRIPT, mod, side, JSON.stringify(params)], timeoutMs);
}

/** Run `bench/bytewax/<script>.py` once with `params` (JSON in argv[1]) in the venv's Python. */
export function runBytewax(script: string, params: object, timeoutMs = 600_000): Promise<Sample> {
  return runChild(BYTEWAX_PYTHON, [`${BENCH_DIR}bytewax/${script}.py`, JSON.stringify(params)], timeoutMs);
}

/** A run longer than this (wall time, ms) is not repeated: the full benchmark has to finish in about 10 minutes. */
export const LONG_RUN_MS = Number(process.env.BENCH_LONG_RUN_MS ?? 8_000);

/** A median sample, with every run's wall time. */
export type MedianSample = Sample & { wallMsAll: number[] };

/**
 * The median sample (by wall time) of `reps` runs (one if the first took
 * longer than {@link LONG_RUN_MS}); every run's check must agree.
 */
export async function medianSample(reps: number, run: () => Promise<Sample>): Promise<MedianSample> {
  const runs: Sample[] = [];
  for (let i = 0; i < reps; i++) {
    runs.push(await run());
    if (runs[0].wallMs > LONG_RUN_MS) break;
  }
  return medianOf(runs);
}

/**
 * The median sample of each of `sides`, run `reps` times in turn (sluice,
 * limit, sluice, limit …) rather than one side's runs after the other's: on
 * a shared host a slow stretch then hits both sides, not one, and their
 * ratio holds. A side whose first run took longer than {@link LONG_RUN_MS}
 * is not repeated.
 */
export async function interleavedMedians(reps: number, sides: readonly (() => Promise<Sample>)[]): Promise<MedianSample[]> {
  const runs: Sample[][] = sides.map(() => []);
  for (let i = 0; i < reps; i++) {
    for (let s = 0; s < sides.length; s++) {
      if (i > 0 && runs[s][0].wallMs > LONG_RUN_MS) continue;
      runs[s].push(await sides[s]());
    }
  }
  return runs.map(medianOf);
}

/** The median (by wall time) of `runs`; every run's check must agree. */
export function medianOf(runs: Sample[]): MedianSample {
  const checks = new Set(runs.map((r) => r.check));
  const sorted = [...runs].sort((a, b) => a.wallMs - b.wallMs);
  const mid = sorted[Math.floor(sorted.length / 2)];
  return { ...mid, check: checks.size === 1 ? mid.check : `UNSTABLE ${[...checks].join(" | ")}`, wallMsAll: runs.map((r) => Math.round(r.wallMs)) };
}

/** The samples of one case of a comparison. */
export interface Sides {
  sluice: MedianSample;
  /**
   * Sluice computing the same output another way, on row "sluice-fold" (W4
   * sliding: `foldWindow`, each item folded into each of its windows, where
   * `sluice` is `aggregateWindow`, computing windows from panes).
   */
  fold?: MedianSample;
  limit?: MedianSample;
  bytewax?: MedianSample;
}

/** Sluice's throughput over another side's (same items): > 1 means Sluice is faster. */
export function speedRatio(sluice: Sample, other: Sample | undefined): number | undefined {
  return other === undefined ? undefined : other.wallMs / sluice.wallMs;
}

/**
 * The table rows of one case: one per side, ratios on the Sluice rows,
 * checks compared. With `s.fold`, the "sluice-fold" row carries its own
 * ratios to the loop and Bytewax, and the "sluice" row `sluice/fold`
 * (its throughput over the fold's).
 */
export function sideRows(caseCols: Row, s: Sides): Row[] {
  const row = (side: string, m: MedianSample | undefined): Row | undefined => {
    if (m === undefined) return undefined;
    const r: Row = {
      ...caseCols,
      side,
      reps: m.wallMsAll.length,
      items: m.items,
      "items/s": Math.round((m.items / m.wallMs) * 1000),
      "ns/item": Math.round((m.wallMs * 1e6) / m.items),
      "cpu s": Number((m.cpuMs / 1000).toFixed(3)),
      "peak RSS MiB": Math.round(m.peakRss / 2 ** 20),
      "sluice/limit": "",
      "sluice/bytewax": "",
      ...(s.fold === undefined ? {} : { "sluice/fold": "" }),
      check: m.check === s.sluice.check ? "ok" : `MISMATCH ${m.check} vs ${s.sluice.check}`,
    };
    if (side === "sluice" || side === "sluice-fold") {
      const l = speedRatio(m, s.limit);
      const b = speedRatio(m, s.bytewax);
      if (l !== undefined) r["sluice/limit"] = Number(l.toFixed(4));
      if (b !== undefined) r["sluice/bytewax"] = Number(b.toFixed(2));
    }
    if (side === "sluice") {
      const f = speedRatio(m, s.fold);
      if (f !== undefined) r["sluice/fold"] = Number(f.toFixed(3));
      r.check = s.sluice.check.startsWith("UNSTABLE") ? s.sluice.check : "ok";
    }
    return r;
  };
  return [row("sluice", s.sluice), row("sluice-fold", s.fold), row("limit", s.limit), row("bytewax", s.bytewax)].filter((r): r is Row => r !== undefined);
}

/** Measure all sides of one case, `REPS` times each (Bytewax only if enabled). */
export async function compareSides(mod: string, params: object, bytewax: string | undefined): Promise<Sides> {
  const [sluice, limit] = await interleavedMedians(REPS, [() => runNodeSide(mod, "sluice", params), () => runNodeSide(mod, "limit", params)]);
  const bw = bytewax !== undefined && bytewaxEnabled() ? await medianSample(REPS, () => runBytewax(bytewax, params)) : undefined;
  return { sluice, limit, bytewax: bw };
}

/** Format a ratio target line. */
export function ratioTarget(target: string, value: number | undefined, min: number, asPercent: boolean): Target {
  if (value === undefined) return { target, measured: "not measured", met: false };
  return { target, measured: asPercent ? `${(value * 100).toFixed(1)}%` : `${value.toFixed(1)}x`, met: value >= min };
}

// ---- in the child process ----

/**
 * The part of an input a Node side warms up on: a tenth of it, and at least
 * 200,000 items (or all of it), so the JIT has reached its steady state
 * (CPython has no JIT: the Bytewax side warms up on a tenth).
 */
export function warmPart<X>(input: X[]): X[] {
  return input.slice(0, Math.max(Math.floor(input.length / 10), 200_000));
}

/**
 * In a side's child process: run `warm` (so the JIT has compiled the hot
 * paths and the heap has grown to the workload), then time `body` and return
 * the sample (`check` is what `body` resolved to). No forced GC in between:
 * it would shrink the young generation and measure a cold heap.
 */
export async function timeSide(items: number, warm: () => Promise<unknown> | unknown, body: () => Promise<string> | string): Promise<Sample> {
  await warm();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const check = await body();
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { wallMs, cpuMs: (cpu.user + cpu.system) / 1000, peakRss: process.resourceUsage().maxRSS * 1024, items, check };
}

/**
 * In a side's child process, for workloads whose run is short: run `body`
 * for `warmMs` (and 3 runs; the JIT reaches its steady state), then for at
 * least `measureMs` (and `minRuns` runs), and return the mean run as the
 * sample. A single short run would mostly measure timer resolution, whether
 * one major GC fell inside it, or a JIT tier-up.
 */
export async function timeRepeated(items: number, body: () => Promise<string> | string, warmMs = 1000, measureMs = 500, minRuns = 5): Promise<Sample> {
  const w0 = performance.now();
  for (let i = 0; i < 3 || performance.now() - w0 < warmMs; i++) await body();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let runs = 0;
  const checks = new Set<string>();
  while (runs < minRuns || performance.now() - t0 < measureMs) {
    checks.add(await body());
    runs++;
  }
  const wallMs = (performance.now() - t0) / runs;
  const cpu = process.cpuUsage(cpu0);
  const check = checks.size === 1 ? [...checks][0] : `UNSTABLE ${[...checks].join(" | ")}`;
  return { wallMs, cpuMs: (cpu.user + cpu.system) / 1000 / runs, peakRss: process.resourceUsage().maxRSS * 1024, items, check };
}

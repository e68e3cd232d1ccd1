/**
 * Shared benchmark helpers: timing with CPU and memory, medians, tables.
 */
import { performance } from "node:perf_hooks";

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

/** Format a table of rows (objects with the same keys) for the terminal. */
export function table(rows: Record<string, string | number>[]): string {
  if (rows.length === 0) return "(no rows)";
  const cols = Object.keys(rows[0]);
  const cells = rows.map((r) => cols.map((c) => String(r[c])));
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

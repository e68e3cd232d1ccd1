/**
 * Memory under a slow sink: the flow of `fixtures/pressureFlow.ts` (an
 * endless source, every item to one sink partition on another worker, whose
 * writes take 5 ms) run by the real CLI with -w 1, 2 and 4, the default
 * 10 s epochs and the default channel capacity, for a fixed window. Samples
 * the process's RSS (every thread) twice a second, reads the sink's items and
 * the channels' highest occupancy from the run's metrics, then sends SIGTERM
 * and times the exit. A last run with a channel capacity too large to hold
 * anything back builds a backlog of seconds on the sink's worker, and times
 * SIGTERM to exit with it.
 *
 *     npm run bench -- pressure [--quick]
 *
 * The window is BENCH_PRESSURE_SECONDS (default 60; 2 with --quick). The footprint
 * at rest of each worker count (the flow reading nothing) is measured too:
 * worker threads cost memory whatever the traffic, which no channel bound
 * can remove, so the table shows both.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { QUICK, type BenchOutput, type Row, type Target } from "./lib.js";

const BIN = fileURLToPath(new URL("../bin/sluice.js", import.meta.url));
const FLOW = fileURLToPath(new URL("./fixtures/pressureFlow.ts", import.meta.url));
const WINDOW_S = QUICK ? 2 : Number(process.env.BENCH_PRESSURE_SECONDS ?? 60);
const MIB = 1024 * 1024;

interface Observed {
  /** RSS samples (bytes), in order, with their time since the start (ms). */
  rss: { at: number; bytes: number }[];
  /** Items the sink wrote in the window, and the window's length (ms, from the first sample). */
  items: number;
  windowMs: number;
  /** The highest occupancy of any channel (items), if the run has channels. */
  channelMax: number | undefined;
  /** From SIGTERM to the process's exit (ms), and its exit code. */
  stopMs: number;
  code: number | null;
}

function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m === null ? 0 : Number(m[1]) * 1024;
}

function metric(text: string, name: string, match: string): number[] {
  return text
    .split("\n")
    .filter((l) => l.startsWith(`${name}{`) && l.includes(match))
    .map((l) => Number(l.slice(l.lastIndexOf(" ") + 1)));
}

async function observe(workers: number, seconds: number, extra: string[] = [], idle = false): Promise<Observed> {
  const child = spawn(process.execPath, [BIN, "run", FLOW, "-w", String(workers), "--metrics-port", "0", ...extra], {
    stdio: ["ignore", "ignore", "pipe"],
    env: idle ? { ...process.env, PRESSURE_IDLE: "1" } : process.env,
  });
  let stderr = "";
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr.setEncoding("utf8").on("data", (c: string) => {
      stderr += c;
      const m = /metrics at (http:\S+)/.exec(stderr);
      if (m !== null) resolve(m[1]);
    });
    child.on("exit", () => reject(new Error(`the run ended early: ${stderr}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const scrape = async (): Promise<string> => (await fetch(url)).text();
  const itemsNow = async (): Promise<number> => metric(await scrape(), "sluice_step_items_in_total", 'step="pressure.out"').reduce((a, b) => a + b, 0);
  // The window starts once the sink writes (the workers post their counters every second), or,
  // reading nothing, once every worker posted its counters.
  let items0 = 0;
  const lastWorker = `sluice_worker_busy_seconds_total{worker="${workers - 1}"}`;
  const ready = async (): Promise<boolean> => (idle ? (await scrape()).includes(lastWorker) : (items0 = await itemsNow()) > 0);
  while (!(await ready())) await new Promise((r) => setTimeout(r, 100));
  const t0 = performance.now();
  const rss: Observed["rss"] = [];
  while (performance.now() - t0 < seconds * 1000) {
    rss.push({ at: performance.now() - t0, bytes: rssOf(child.pid!) });
    await new Promise((r) => setTimeout(r, 500));
  }
  const text = await scrape();
  const windowMs = performance.now() - t0;
  const items = metric(text, "sluice_step_items_in_total", 'step="pressure.out"').reduce((a, b) => a + b, 0) - items0;
  const maxes = metric(text, "sluice_exchange_channel_items_max", "step=");
  const t1 = performance.now();
  child.kill("SIGTERM");
  const code = await exited;
  return { rss, items, windowMs, channelMax: maxes.length === 0 ? undefined : Math.max(...maxes), stopMs: performance.now() - t1, code };
}

const peak = (o: Observed, from = 0, to = Infinity): number => Math.max(0, ...o.rss.filter((s) => s.at >= from && s.at < to).map((s) => s.bytes));

export async function benchPressure(): Promise<BenchOutput> {
  const rows: Row[] = [];
  const targets: Target[] = [];
  const runs = new Map<number, Observed>();
  for (const workers of [1, 2, 4]) {
    const o = await observe(workers, WINDOW_S);
    runs.set(workers, o);
    const half = o.windowMs / 2;
    rows.push({
      run: `-w ${workers}`,
      "window s": Math.round(o.windowMs / 1000),
      "items/s": Math.round((o.items * 1000) / o.windowMs),
      "peak RSS MiB": Math.round(peak(o) / MIB),
      "peak 1st half MiB": Math.round(peak(o, 0, half) / MIB),
      "peak 2nd half MiB": Math.round(peak(o, half) / MIB),
      "channel max items": o.channelMax ?? "-",
      "SIGTERM to exit ms": Math.round(o.stopMs),
      exit: o.code ?? "signal",
    });
  }
  // What the threads and their modules cost at rest, whatever the traffic: the part of the peak flow control cannot bound.
  const rest = new Map<number, number>();
  for (const workers of [1, 2, 4]) rest.set(workers, peak(await observe(workers, QUICK ? 1 : 3, [], true)));
  for (const row of rows) row["RSS at rest MiB"] = Math.round(rest.get(Number(String(row.run).slice(3)))! / MIB);
  const one = peak(runs.get(1)!);
  for (const workers of [2, 4]) {
    const p = peak(runs.get(workers)!);
    targets.push({ target: `peak RSS with -w ${workers} <= 2x -w 1's (${Math.round(one / MIB)} MiB)`, measured: `${(p / one).toFixed(2)}x`, met: p <= 2 * one });
    // Above the footprint at rest: what the traffic holds in memory.
    const above = p - rest.get(workers)!;
    const aboveOne = one - rest.get(1)!;
    targets.push({
      target: `RSS above rest with -w ${workers} <= 2x -w 1's (${Math.round(aboveOne / MIB)} MiB)`,
      measured: `${Math.round(above / MIB)} MiB`,
      met: above <= 2 * Math.max(aboveOne, 16 * MIB),
    });
  }
  for (const [workers, o] of runs) {
    const first = peak(o, 0, o.windowMs / 2);
    const second = peak(o, o.windowMs / 2);
    // Flat: the second half of the window peaks no more than 10% (and 16 MiB of noise) above the first.
    targets.push({
      target: `RSS flat over ${Math.round(o.windowMs / 1000)} s with -w ${workers} (2nd half's peak <= 1.1x the 1st half's + 16 MiB)`,
      measured: `${Math.round(first / MIB)} -> ${Math.round(second / MIB)} MiB`,
      met: second <= first * 1.1 + 16 * MIB,
    });
  }
  // A backlog of seconds on the sink's worker: a capacity that holds nothing back, a few seconds to pile up.
  const backlog = await observe(2, QUICK ? 1 : 3, ["--channel-capacity", "100000000"]);
  rows.push({
    run: "-w 2, backlog (capacity 1e8)",
    "window s": Math.round(backlog.windowMs / 1000),
    "items/s": Math.round((backlog.items * 1000) / backlog.windowMs),
    "peak RSS MiB": Math.round(peak(backlog) / MIB),
    "peak 1st half MiB": "-",
    "peak 2nd half MiB": "-",
    "channel max items": backlog.channelMax ?? "-",
    "SIGTERM to exit ms": Math.round(backlog.stopMs),
    exit: backlog.code ?? "signal",
  });
  const slowestStop = Math.max(backlog.stopMs, ...[...runs.values()].map((o) => o.stopMs));
  targets.push({ target: "SIGTERM to exit < 1 s, whatever waits in channels", measured: `${Math.round(slowestStop)} ms at most`, met: slowestStop < 1000 });
  return {
    rows,
    targets,
    notes: [
      "one source partition (1,000-item batches, endless) keyed to one key, a sink partition on another worker awaiting 5 ms per batch; default 10 s epochs and channel capacity",
      `channel max: the most items any channel held (sluice_exchange_channel_items_max); the backlog row's ${backlog.channelMax ?? 0} items were dropped on SIGTERM, not drained`,
      `window ${WINDOW_S} s per run (BENCH_PRESSURE_SECONDS); RSS is the whole process (every worker thread)`,
    ],
  };
}

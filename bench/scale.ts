/**
 * Recovery at scale: a keyed count where every item is a new key
 * (`fixtures/scaleFlow.ts`, 2,000,000 keys), run by the real CLI
 * (`node bin/sluice.js run`) in a child process, each recovery run on a
 * fresh one-partition directory:
 *
 * - **-s 1**: with recovery (`-r DIR -s 1 -b 0`) against the same run
 *   without (`-s 1`), wall time: the cost of committing every key once;
 * - **snapshot**: one epoch for the whole run (`-s 3600`), so its close
 *   snapshots every key at once: keys over the close's duration (from the
 *   JSON run log: `elapsedMs - closedMs`, encoding and SQLite included);
 * - **restore**: that directory run again (the source resumes at its end
 *   and reads nothing). Two figures: *load*, keys over the time from the
 *   run's start (after the flow module loaded) to its `start` log line,
 *   which follows opening the directory and reading and checking every
 *   stored state (the store's part); *to end of input*, keys over the time
 *   to the cut of the run's only epoch (`closedMs`), which adds decoding
 *   every state with the serde, handing it to its step and the step's
 *   end-of-input call for every key. Each less the same in a run with no
 *   keys and no recovery. The commit of that last epoch is left out:
 *   `statefulMap`'s end-of-input call touches every key, so it snapshots
 *   all of them again (a cost of the operator, not of restoring);
 * - **epoch lateness**: in the `-s 1` recovery run, how late each epoch was
 *   cut against its deadline (the previous cut plus the interval; the first
 *   against the run's start), from the run log's `closedMs`; the last epoch,
 *   cut by the end of the input, is left out.
 *
 *     npm run bench -- scale [--quick]
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { initDbDir } from "../dist/index.js";
import { QUICK, type BenchOutput, type Row, type Target } from "./lib.js";

const KEYS = QUICK ? 20_000 : Number(process.env.BENCH_SCALE_KEYS ?? 2_000_000);
const BIN = fileURLToPath(new URL("../bin/sluice.js", import.meta.url));
const FLOW = fileURLToPath(new URL("./fixtures/scaleFlow.ts", import.meta.url));
const INTERVAL_MS = 1000;
/** Items per source batch (the flow's source reads 1000 at a time). */
const BATCH = 1000;

interface LogLine {
  event: string;
  epoch?: number;
  elapsedMs?: number;
  closedMs?: number;
  items?: number;
  stored?: number;
}

interface CliRun {
  wallMs: number;
  log: LogLine[];
}

/** `sluice run scaleFlow.ts <args>` with `keys` keys; its wall time and JSON log lines. */
function run(keys: number, args: readonly string[]): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [BIN, "run", FLOW, ...args], {
      env: { ...process.env, SCALE_KEYS: String(keys), SLUICE_LOG: "info", SLUICE_LOG_FORMAT: "json" },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => {
      const wallMs = performance.now() - t0;
      if (code !== 0) return reject(new Error(`sluice run ${args.join(" ")} exited ${String(code)}: ${stderr}`));
      const log = stderr
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l) as LogLine);
      resolve({ wallMs, log });
    });
  });
}

function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "sluice-bench-scale-"));
  initDbDir(dir, 1);
  return dir;
}

const median = (xs: readonly number[]): number => {
  // NaN for none (a --quick run has no timed epoch); shown as "n/a".
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const show = (ms: number): string => (Number.isNaN(ms) ? "n/a" : String(Math.round(ms)));
const perSecond = (n: number, ms: number): number => Math.round((n * 1000) / ms);
const rate = (n: number): string => (n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : `${Math.round(n / 1000)}k`);

export async function benchScale(): Promise<BenchOutput> {
  const dirs: string[] = [];
  try {
    await run(1000, ["-s", "1"]); // warm up the file system cache and tsx's transform cache
    const empty = await run(0, ["-s", "3600"]);
    const plain = await run(KEYS, ["-s", String(INTERVAL_MS / 1000)]);
    const d1 = freshDir();
    dirs.push(d1);
    const recovered = await run(KEYS, ["-s", String(INTERVAL_MS / 1000), "-r", d1, "-b", "0"]);

    const d2 = freshDir();
    dirs.push(d2);
    const oneEpoch = await run(KEYS, ["-s", "3600", "-r", d2, "-b", "0"]);
    const close = oneEpoch.log.find((l) => l.event === "epoch" && (l.stored ?? 0) >= KEYS);
    if (close?.closedMs === undefined || close.elapsedMs === undefined) throw new Error("the one-epoch run logged no epoch holding every key");
    const snapshotMs = close.elapsedMs - close.closedMs;
    const restored = await run(KEYS, ["-s", "3600", "-r", d2, "-b", "0"]);
    const cut = (r: CliRun): number => r.log.findLast((l) => l.event === "epoch")?.closedMs ?? NaN;
    const started = (r: CliRun): number => r.log.find((l) => l.event === "start")?.elapsedMs ?? NaN;
    const restoreMs = Math.max(1, started(restored) - started(empty));
    const toEndMs = Math.max(1, cut(restored) - cut(empty));

    // Lateness of each timed epoch cut: against the previous cut plus the interval (the first: the run's start).
    const epochs = recovered.log.filter((l) => l.event === "epoch" && l.closedMs !== undefined);
    const start = recovered.log.find((l) => l.event === "start")?.elapsedMs ?? 0;
    const late: number[] = [];
    const commitMs: number[] = [];
    for (let i = 0; i < epochs.length; i++) {
      commitMs.push(epochs[i].elapsedMs! - epochs[i].closedMs!);
      if (i === epochs.length - 1) break; // cut by the end of the input, not the timer
      const deadline = (i === 0 ? start : epochs[i - 1].closedMs!) + INTERVAL_MS;
      late.push(epochs[i].closedMs! - deadline);
    }
    const plainRate = KEYS / (plain.wallMs / 1000);
    const batchMs = (BATCH / plainRate) * 1000;
    const allowedLateMs = 0.1 * INTERVAL_MS + batchMs;
    const ratio = recovered.wallMs / plain.wallMs;
    const snapRate = perSecond(KEYS, snapshotMs);
    const restoreRate = perSecond(KEYS, restoreMs);
    const maxLate = late.length === 0 ? 0 : Math.max(...late);

    const rows: Row[] = [
      { run: "-s 1, no recovery", keys: KEYS, "wall s": (plain.wallMs / 1000).toFixed(2), "items/s": rate(perSecond(KEYS, plain.wallMs)), note: "" },
      {
        run: "-s 1, recovery",
        keys: KEYS,
        "wall s": (recovered.wallMs / 1000).toFixed(2),
        "items/s": rate(perSecond(KEYS, recovered.wallMs)),
        note: `${ratio.toFixed(2)}x the run without; ${epochs.length} epochs, commits median ${Math.round(median(commitMs))} ms, max ${Math.round(Math.max(...commitMs))} ms`,
      },
      { run: "snapshot, one epoch", keys: KEYS, "wall s": (snapshotMs / 1000).toFixed(2), "items/s": rate(snapRate), note: "close of the epoch holding every key (encode + SQLite)" },
      { run: "restore: load", keys: KEYS, "wall s": (restoreMs / 1000).toFixed(2), "items/s": rate(restoreRate), note: "open the directory, read and check every state" },
      {
        run: "restore: to end of input",
        keys: KEYS,
        "wall s": (toEndMs / 1000).toFixed(2),
        "items/s": rate(perSecond(KEYS, toEndMs)),
        note: "load, decode every state, hand it to its step, its end-of-input call",
      },
      {
        run: "epoch lateness (-s 1)",
        keys: KEYS,
        "wall s": (maxLate / 1000).toFixed(2),
        "items/s": "",
        note: `cut late by: max ${Math.round(maxLate)} ms, median ${show(median(late))} ms over ${late.length} timed epochs; allowed ${Math.round(allowedLateMs)} ms`,
      },
    ];
    const targets: Target[] = [
      { target: `Scale: recovery at -s 1 costs <= 2x the run without, ${KEYS} distinct keys`, measured: `${ratio.toFixed(2)}x`, met: ratio <= 2 },
      { target: "Scale: snapshot writes >= 1,000,000 keys/s", measured: `${rate(snapRate)} keys/s`, met: snapRate >= 1e6 },
      { target: "Scale: restore (load from the store) >= 1,000,000 keys/s", measured: `${rate(restoreRate)} keys/s`, met: restoreRate >= 1e6 },
      {
        target: "Scale: epochs cut within 10% of the interval plus one batch of their deadline",
        measured: `max ${Math.round(maxLate)} ms late (allowed ${Math.round(allowedLateMs)} ms), median ${show(median(late))} ms`,
        met: maxLate <= allowedLateMs,
      },
    ];
    return { rows, targets, notes: [`Scale: ${KEYS} keys (BENCH_SCALE_KEYS), one partition, through \`node bin/sluice.js run\``] };
  } finally {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
}

/**
 * Stateful functions (`sluice/functions`): messages per second through an
 * embedded function with state, on 1 and 2 workers, and through a remote
 * function served over HTTP on 127.0.0.1, with the HTTP round trip's share
 * of the time.
 *
 *     npm run bench -- functions [--quick]
 *
 * The flow (`fixtures/functionsFlow.ts`): N ingress messages to K addresses
 * of a counter with an `io.statefun.types/int` state, which forwards its new
 * count to a sink function (so every message also travels the functions'
 * feedback loop); both hops count as messages (2N). Sides:
 *
 * - **embedded**: `bind` functions, `runMain` in this thread (warmed up on a
 *   tenth of the input first, as the other comparisons);
 * - **embedded, N workers**: the same flow through `cliMain` on 1 and 2
 *   worker threads, as `sluice run -w N` runs it; each run starts its
 *   threads and loads the flow module anew (no warm-up is possible), so the
 *   start-up of an empty run is measured first and shown beside it;
 * - **remote, HTTP**: the same two functions served by a TypeScript function
 *   server (`fixtures/functionServer.ts`, node:http, its own process) through
 *   `remote(...)` with the default `maxBatchRequests`; every POST is timed
 *   on the client side (around the internal `Endpoint.post`, wrapped here:
 *   nothing in `src/` changes);
 * - **remote, in-process**: the same, with `Endpoint.post` replaced by a
 *   direct call of the server's handler in this thread: the same protocol
 *   work (ToFunction and FromFunction encoded and decoded on both sides), no
 *   HTTP. The HTTP share is `1 - in-process time / HTTP time`;
 * - **remote, Python SDK**: StateFun's own Python SDK server
 *   (`test/functions/python/server.py`, its `greeter.fns/ttl`: one int state,
 *   one string egress per message, so one hop per message), when its venv
 *   exists;
 * - **limit**: a hand-written loop doing the same per-message work: a `Map`
 *   of per-id state, messages through an array queue, the int state and
 *   messages encoded and decoded with the same wire helpers (`encodeInt`,
 *   `decodeInt`); **limit, numbers** the same with plain numbers (no codec).
 *
 * Flink StateFun itself needs a Flink cluster and is not run.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { Dataflow, cliMain, runMain } from "../dist/index.js";
import { applyFunctions, message, remote, types, type Message } from "../dist/functions/index.js";
import { decodeInt, encodeInt } from "../dist/functions/internal/wire.js";
import { Endpoint } from "../dist/functions/internal/remoteHandler.js";
import { NullSink } from "./fixtures/nullSink.js";
import { BATCH, Ids, PARTS, embeddedFlow, nextIds, partSeed, remoteFlow, tally, tallyText } from "./fixtures/functionsFlow.js";
import { handle, serverStats } from "./fixtures/functionServer.js";
import { QUICK, REPS, interleavedMedians, medianSample, runNodeSide, timeSide, type BenchOutput, type MedianSample, type Row, type Sample } from "./lib.js";

// A quick run: sizes that the loop runs on once for embedded sides, and few HTTP round trips.
const ITEMS = QUICK ? 2_000 : Number(process.env.BENCH_FUNCTIONS_ITEMS ?? 200_000);
const WORKER_ITEMS = QUICK ? ITEMS : Number(process.env.BENCH_FUNCTIONS_WORKER_ITEMS ?? 400_000);
const REMOTE_ITEMS = QUICK ? 500 : Number(process.env.BENCH_FUNCTIONS_REMOTE_ITEMS ?? 20_000);
const PYTHON_ITEMS = QUICK ? 100 : Number(process.env.BENCH_FUNCTIONS_PYTHON_ITEMS ?? 5_000);
const KEYS = QUICK ? 1_000 : 10_000;

const FLOW = fileURLToPath(new URL("./fixtures/functionsFlow.ts", import.meta.url));
const SERVER = fileURLToPath(new URL("./fixtures/functionServer.ts", import.meta.url));
const PYTHON = process.env.STATEFUN_PYTHON || fileURLToPath(new URL("../test/functions/python/.venv/bin/python", import.meta.url));

interface Params {
  items: number;
  keys: number;
  workers?: number;
}

/** A sample with what a side measured beyond it. */
type FnSample = Sample & {
  /** Start-up of an empty `cliMain` run with the same workers, ms. */
  startupMs?: number;
  /** Remote sides: POSTs, their summed latency, the time with one in flight, and the server's handling time, ms. */
  posts?: number;
  postMs?: number;
  busyMs?: number;
  serverMs?: number;
  serverCpuMs?: number;
};

const resetTally = (): void => {
  tally.received = 0;
  tally.sum = 0;
};

async function runEmbedded(items: number, keys: number): Promise<string> {
  resetTally();
  await runMain(embeddedFlow(items, keys), { epochInterval: 1000 });
  return tallyText(tally.received, tally.sum);
}

/** How many ingress messages a side warms up on: a tenth, at least `least` (at most all). */
const warmSize = (items: number, least: number): number => Math.min(items, Math.max(Math.floor(items / 10), least));

/** The ids of part `p` in batches, as the flow's source reads them. */
function forEachBatch(items: number, keys: number, body: (ids: string[]) => void): void {
  for (let p = 0; p < PARTS; p++) {
    const per = Math.floor(items / PARTS) + (p < items % PARTS ? 1 : 0);
    let seed = partSeed(p);
    for (let at = 0; at < per; ) {
      const ids: string[] = [];
      seed = nextIds(seed, at, per, keys, ids);
      at += ids.length;
      body(ids);
    }
  }
}

const COUNTER_FN = 0;
const SINK_FN = 1;

/** The hand-written loop: state and messages as bytes, through the same wire helpers. */
function runLoop(items: number, keys: number): string {
  const state = new Map<string, Uint8Array>();
  let received = 0;
  let sum = 0;
  const fns: number[] = [];
  const ids: string[] = [];
  const values: Uint8Array[] = [];
  forEachBatch(items, keys, (batch) => {
    for (let i = 0; i < batch.length; i++) {
      fns.push(COUNTER_FN);
      ids.push(batch[i]);
      values.push(encodeInt(1));
    }
    for (let q = 0; q < fns.length; q++) {
      const id = ids[q];
      if (fns[q] === COUNTER_FN) {
        const s = state.get(id);
        const n = (s === undefined ? 0 : decodeInt(s)) + decodeInt(values[q]);
        state.set(id, encodeInt(n));
        fns.push(SINK_FN);
        ids.push(id);
        values.push(encodeInt(n));
      } else {
        received++;
        sum += decodeInt(values[q]);
      }
    }
    fns.length = 0;
    ids.length = 0;
    values.length = 0;
  });
  return tallyText(received, sum);
}

/** The hand-written loop with plain numbers: no codec. */
function runLoopNumbers(items: number, keys: number): string {
  const state = new Map<string, number>();
  let received = 0;
  let sum = 0;
  const fns: number[] = [];
  const ids: string[] = [];
  const values: number[] = [];
  forEachBatch(items, keys, (batch) => {
    for (let i = 0; i < batch.length; i++) {
      fns.push(COUNTER_FN);
      ids.push(batch[i]);
      values.push(1);
    }
    for (let q = 0; q < fns.length; q++) {
      const id = ids[q];
      if (fns[q] === COUNTER_FN) {
        const n = (state.get(id) ?? 0) + values[q];
        state.set(id, n);
        fns.push(SINK_FN);
        ids.push(id);
        values.push(n);
      } else {
        received++;
        sum += values[q];
      }
    }
    fns.length = 0;
    ids.length = 0;
    values.length = 0;
  });
  return tallyText(received, sum);
}

/** One `cliMain` run of the embedded flow on `workers` threads; the tally summed over the workers. */
async function runWorkers(items: number, keys: number, workers: number): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "sluice-bench-fns-"));
  const file = join(dir, "tally");
  try {
    Object.assign(process.env, { BENCH_ITEMS: String(items), BENCH_KEYS: String(keys), BENCH_TALLY_FILE: file });
    await cliMain(FLOW, "embedded", { workers, epochInterval: 1000 });
    let received = 0;
    let sum = 0;
    for (const line of existsSync(file) ? readFileSync(file, "utf8").trim().split("\n") : []) {
      const [r, s] = line.split(" ").map(Number);
      received += r;
      sum += s;
    }
    return tallyText(received, sum);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Client-side timing of every POST: count, summed latency, and the time with at least one in flight. */
const posts = { n: 0, ms: 0, busyMs: 0, inFlight: 0, busySince: 0 };

/**
 * Wrap `Endpoint.post` (internal) to time each POST; with `direct`, answer it
 * with the handler in this thread instead. Returns the function that puts
 * the original back.
 */
function instrumentPosts(direct: ((body: Uint8Array) => Uint8Array) | undefined): () => void {
  const post = Endpoint.prototype.post;
  Endpoint.prototype.post = async function timedPost(this: Endpoint, body: Uint8Array, what: string): Promise<Uint8Array> {
    const t0 = performance.now();
    if (posts.inFlight++ === 0) posts.busySince = t0;
    try {
      return direct !== undefined ? direct(body) : await post.call(this, body, what);
    } finally {
      const t1 = performance.now();
      posts.n++;
      posts.ms += t1 - t0;
      if (--posts.inFlight === 0) posts.busyMs += t1 - posts.busySince;
    }
  };
  return () => {
    Endpoint.prototype.post = post;
  };
}

const resetPosts = (): void => void Object.assign(posts, { n: 0, ms: 0, busyMs: 0 });

/** Start `fixtures/functionServer.ts` in its own process; its URL and a way to stop it. */
async function startServer(): Promise<{ base: string; stop: () => void }> {
  const child = spawn(process.execPath, ["--import", "tsx", SERVER], { stdio: ["ignore", "pipe", "inherit"] });
  const port = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (c: string) => {
      out += c;
      const m = /READY (\d+)/.exec(out);
      if (m !== null) resolve(m[1]);
    });
    child.once("exit", (code) => reject(new Error(`the function server exited (${code}) before it was ready: ${out}`)));
  });
  return { base: `http://127.0.0.1:${port}`, stop: () => void child.kill("SIGTERM") };
}

async function serverStatsOf(base: string, reset: boolean): Promise<typeof serverStats & { cpuMs: number }> {
  const res = await fetch(`${base}/stats${reset ? "?reset" : ""}`);
  return (await res.json()) as typeof serverStats & { cpuMs: number };
}

/** The remote flow against the server in its own process (HTTP) or answered in this thread (`inProcess`). */
async function remoteSide(p: Params, inProcess: boolean): Promise<FnSample> {
  const server = inProcess ? undefined : await startServer();
  const restore = instrumentPosts(inProcess ? handle : undefined);
  // In-process, the URL is never dialled: `Endpoint.post` answers without it.
  const url = server === undefined ? "http://127.0.0.1:9/statefun" : `${server.base}/statefun`;
  try {
    const run = async (items: number): Promise<string> => {
      await runMain(remoteFlow(items, p.keys, url), { epochInterval: 1000 });
      const s = server === undefined ? serverStats : await serverStatsOf(server.base, false);
      return tallyText(s.received, s.sum);
    };
    let before = { handleMs: 0, cpuMs: 0 };
    const sample = await timeSide(
      p.items * 2,
      async () => {
        await run(warmSize(p.items, QUICK ? 100 : 1000));
        resetPosts();
        Object.assign(serverStats, { requests: 0, handleMs: 0, received: 0, sum: 0 });
        if (server !== undefined) before = await serverStatsOf(server.base, true);
      },
      () => run(p.items),
    );
    const after = server === undefined ? { ...serverStats, cpuMs: NaN } : await serverStatsOf(server.base, false);
    return { ...sample, posts: posts.n, postMs: posts.ms, busyMs: posts.busyMs, serverMs: after.handleMs, serverCpuMs: after.cpuMs - before.cpuMs };
  } finally {
    restore();
    server?.stop();
  }
}

/** The Python SDK's `greeter.fns/ttl` (one int state, one string egress per message): its egress tallied as the sink's. */
async function pythonSide(p: Params): Promise<FnSample> {
  const { startPythonFunctions } = await import("../test/functions/support/pythonFunctions.js");
  const server = await startPythonFunctions({ TTL_MS: String(3_600_000) });
  const restore = instrumentPosts(undefined);
  try {
    const run = async (items: number): Promise<string> => {
      let received = 0;
      let sum = 0;
      const flow = new Dataflow("py");
      const ingress = flow.input("in", new Ids(items, p.keys)).map("msg", (k): Message => message("greeter.fns/ttl", k, k, types.string));
      applyFunctions("fns", ingress, [remote({ url: server.url, typenames: ["greeter.fns/ttl"] })])
        .egress("greeter.io/ttl", types.string)
        .output(
          "out",
          new NullSink<string>((lines) => {
            for (const l of lines) {
              received++;
              sum += Number(l.slice(l.indexOf(" ") + 1));
            }
          }),
        );
      await runMain(flow, { epochInterval: 1000 });
      return tallyText(received, sum);
    };
    const sample = await timeSide(p.items, async () => {
      await run(warmSize(p.items, QUICK ? 20 : 100));
      resetPosts();
    }, () => run(p.items));
    return { ...sample, posts: posts.n, postMs: posts.ms, busyMs: posts.busyMs };
  } finally {
    restore();
    await server.stop();
  }
}

/** The sides, for `side.ts` (each run in a fresh process). */
export const sides = {
  embedded: (p: Params): Promise<Sample> => timeSide(p.items * 2, () => runEmbedded(warmSize(p.items, BATCH * PARTS * 5), p.keys), () => runEmbedded(p.items, p.keys)),
  workers: async (p: Params): Promise<FnSample> => {
    const workers = p.workers ?? 1;
    // The least of two empty runs (none in a quick run); the first also fills the file system and tsx caches.
    let startupMs: number | undefined;
    for (let i = QUICK ? 0 : 2; i > 0; i--) {
      const t0 = performance.now();
      await runWorkers(0, p.keys, workers);
      startupMs = Math.min(startupMs ?? Infinity, performance.now() - t0);
    }
    return { ...(await timeSide(p.items * 2, () => undefined, () => runWorkers(p.items, p.keys, workers))), startupMs };
  },
  limit: (p: Params): Promise<Sample> => timeSide(p.items * 2, () => runLoop(warmSize(p.items, 20_000), p.keys), () => runLoop(p.items, p.keys)),
  numbers: (p: Params): Promise<Sample> => timeSide(p.items * 2, () => runLoopNumbers(warmSize(p.items, 20_000), p.keys), () => runLoopNumbers(p.items, p.keys)),
  remote: (p: Params): Promise<FnSample> => remoteSide(p, false),
  remoteInProcess: (p: Params): Promise<FnSample> => remoteSide(p, true),
  python: (p: Params): Promise<FnSample> => pythonSide(p),
};

/**
 * Run side `name` once: in a fresh process, or in this one in a quick run
 * (whose numbers mean nothing: it saves the start of ten Node processes).
 */
const side = (name: keyof typeof sides, p: Params) => (): Promise<FnSample> => (QUICK ? sides[name](p) : runNodeSide("functions", name, p));

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

export async function benchFunctions(): Promise<BenchOutput> {
  const base = { keys: KEYS };
  const [embedded, limit, numbers] = (await interleavedMedians(REPS, [side("embedded", { ...base, items: ITEMS }), side("limit", { ...base, items: ITEMS }), side("numbers", { ...base, items: ITEMS })])) as (MedianSample & FnSample)[];
  /** Medians of `runs` interleaved, and of the loop on `items` ingress messages (the one above when it is the same size). */
  const withLoop = async (items: number, runs: (() => Promise<FnSample>)[]): Promise<[(MedianSample & FnSample)[], MedianSample]> => {
    const own = items !== ITEMS;
    const ms = (await interleavedMedians(REPS, own ? [...runs, side("limit", { ...base, items })] : runs)) as (MedianSample & FnSample)[];
    return own ? [ms.slice(0, -1), ms[ms.length - 1]] : [ms, limit];
  };
  const [[w1, w2], wLimit] = await withLoop(WORKER_ITEMS, [side("workers", { ...base, items: WORKER_ITEMS, workers: 1 }), side("workers", { ...base, items: WORKER_ITEMS, workers: 2 })]);
  const [[http, inProcess], rLimit] = await withLoop(REMOTE_ITEMS, [side("remote", { ...base, items: REMOTE_ITEMS }), side("remoteInProcess", { ...base, items: REMOTE_ITEMS })]);
  const python = existsSync(PYTHON) ? ((await medianSample(REPS, side("python", { ...base, items: PYTHON_ITEMS }))) as MedianSample & FnSample) : undefined;

  const rows: Row[] = [];
  const row = (name: string, m: MedianSample & FnSample, ingress: number, loop: MedianSample | undefined, check: string, extra: Row = {}): void => {
    rows.push({
      case: name,
      reps: m.wallMsAll.length,
      ingress,
      messages: m.items,
      "msgs/s": Math.round((m.items / m.wallMs) * 1000),
      "ns/msg": Math.round((m.wallMs * 1e6) / m.items),
      "cpu s": Number((m.cpuMs / 1000).toFixed(3)),
      "peak RSS MiB": Math.round(m.peakRss / 2 ** 20),
      "sluice/limit": loop === undefined ? "" : Number((loop.wallMs / m.wallMs).toFixed(4)),
      ...extra,
      check: m.check === check ? "ok" : `MISMATCH ${m.check} vs ${check}`,
    });
  };
  const lessStartup = (m: FnSample): Row =>
    m.startupMs === undefined || m.startupMs >= m.wallMs
      ? { "start-up ms": "", "msgs/s less start-up": "" }
      : { "start-up ms": Math.round(m.startupMs), "msgs/s less start-up": Math.round((m.items / (m.wallMs - m.startupMs)) * 1000) };
  row("embedded, runMain", embedded, ITEMS, limit, limit.check);
  row("embedded, cliMain 1 worker", w1, WORKER_ITEMS, wLimit, wLimit.check, lessStartup(w1));
  row("embedded, cliMain 2 workers", w2, WORKER_ITEMS, wLimit, wLimit.check, lessStartup(w2));
  const httpShare = 1 - inProcess.wallMs / http.wallMs;
  const perPost = (ms: number): number => Math.round((ms * 1000) / (http.posts || 1));
  const remoteCols = (m: FnSample): Row => ({ POSTs: m.posts ?? 0, "msgs/POST": Number(((m.items / (m.posts ?? 1)) || 0).toFixed(2)), "mean POST µs": Math.round(((m.postMs ?? 0) * 1000) / (m.posts || 1)) });
  row("remote, HTTP (TS server)", http, REMOTE_ITEMS, rLimit, rLimit.check, { ...remoteCols(http), "HTTP share": pct(httpShare) });
  row("remote, in-process (no HTTP)", inProcess, REMOTE_ITEMS, rLimit, rLimit.check, remoteCols(inProcess));
  if (python !== undefined) row("remote, HTTP (Python SDK)", python, PYTHON_ITEMS, undefined, python.check, remoteCols(python));
  row("limit (wire helpers)", limit, ITEMS, undefined, limit.check);
  row("limit (plain numbers)", numbers, ITEMS, undefined, limit.check);
  if (wLimit !== limit) row("limit (wire helpers)", wLimit, WORKER_ITEMS, undefined, wLimit.check);
  if (rLimit !== limit) row("limit (wire helpers)", rLimit, REMOTE_ITEMS, undefined, rLimit.check);

  const notes = [
    `functions: N ingress messages to ${KEYS} addresses of a counter (int state) that forwards each new count to a sink function; messages = 2N (both hops). ` +
      `N = ${ITEMS} (runMain, loops; BENCH_FUNCTIONS_ITEMS), ${WORKER_ITEMS} (cliMain; BENCH_FUNCTIONS_WORKER_ITEMS), ${REMOTE_ITEMS} (remote; BENCH_FUNCTIONS_REMOTE_ITEMS)`,
    "functions: sluice/limit is against the hand-written loop on the same N, encoding and decoding the int state and messages with the same wire helpers (encodeInt/decodeInt); " +
      `the loop with plain numbers is ${(limit.wallMs / numbers.wallMs).toFixed(1)}x faster: the protobuf codec is ${pct(1 - numbers.wallMs / limit.wallMs)} of the wire loop`,
    `functions: cliMain rows start worker threads and load the flow module in each (not warmed up); start-up is an empty run's wall time, included in msgs/s; ` +
      `2 workers over 1: ${(w1.wallMs / w2.wallMs).toFixed(2)}x end to end` +
      (w1.startupMs === undefined || w2.startupMs === undefined ? "" : `, ${((w1.wallMs - w1.startupMs) / (w2.wallMs - w2.startupMs)).toFixed(2)}x less start-up`),
    `functions remote: ${http.posts} POSTs of ${(http.items / (http.posts || 1)).toFixed(2)} messages each on average (maxBatchRequests 1000, up to 64 in flight); per POST: ` +
      `client CPU ${perPost(http.cpuMs)} µs, server CPU ${perPost(http.serverCpuMs ?? 0)} µs of which ${perPost(http.serverMs ?? 0)} µs in its handler (decode, functions, encode), ` +
      `latency ${perPost(http.postMs ?? 0)} µs (the client's call to the decoded reply, queueing included); at least one POST was in flight ${pct((http.busyMs ?? 0) / http.wallMs)} of the run`,
    `functions remote: HTTP share ${pct(httpShare)} = 1 - (in-process time / HTTP time), the in-process side answering each POST with the same server handler in the client's thread ` +
      "(same protobuf work on both ends, no sockets, no HTTP parsing)",
    python === undefined
      ? `functions: the Python SDK row is skipped: no venv at ${PYTHON} (bash test/functions/python/setup.sh installs it)`
      : `functions Python SDK: ${PYTHON_ITEMS} messages to greeter.fns/ttl (test/functions/python/server.py: int state, one egress each; one hop per message), ${python.posts} POSTs; not comparable with the counter rows row for row`,
    "functions: Flink StateFun (the peer) is not measured: it needs a Flink cluster (JobManager and TaskManagers on a JVM) that this benchmark does not start; no number is given for it",
  ];
  return { rows, notes };
}

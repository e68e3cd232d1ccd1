/**
 * Prometheus metrics of a real run: `sluice run --metrics-port 0`, scraped
 * over HTTP while the run is up, on one worker and on two worker threads
 * (whose counters the main thread sums), with and without recovery.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initDbDir } from "../../src/index.js";
import { ITEMS, KEYS } from "./fixtures/metered.js";
import { parseMetrics, sum, type SampleLine } from "../support/metrics.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const BIN = join(ROOT, "bin", "sluice.js");
const FLOW = "test/run/fixtures/metered.ts";

interface Run {
  url: Promise<string>;
  stop(): Promise<{ code: number | null; stdout: string; stderr: string }>;
}

function startRun(args: string[]): Run {
  const env = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith("SLUICE_")) delete env[name];
  const child = spawn(process.execPath, [BIN, "run", FLOW, "--metrics-port", "0", ...args], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
  const url = new Promise<string>((resolve, reject) => {
    child.stderr.setEncoding("utf8").on("data", (c: string) => {
      stderr += c;
      const m = /sluice: metrics at (http:\S+)/.exec(stderr);
      if (m !== null) resolve(m[1]);
    });
    void done.then((r) => reject(new Error(`the run ended before serving metrics: ${r.stderr}`)));
  });
  return {
    url,
    stop: () => {
      child.kill("SIGTERM");
      return done;
    },
  };
}

/** Scrape `url` until `ready` holds (the workers post their counters every second). */
async function scrapeUntil(url: string, ready: (s: SampleLine[]) => boolean): Promise<SampleLine[]> {
  for (;;) {
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain");
    const samples = parseMetrics(await res.text());
    if (ready(samples)) return samples;
    await new Promise((r) => setTimeout(r, 200));
  }
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "sluice-metrics-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.each([1, 2])("sluice run --metrics-port with %i worker(s)", (workers) => {
  it("counts every item through every step, the keys held and the epochs", async () => {
    const recovery = join(dir, `rec-${workers}`);
    await import("node:fs/promises").then((fs) => fs.mkdir(recovery));
    initDbDir(recovery, 2);
    const run = startRun(["-w", String(workers), "-s", "0.2", "-r", recovery, "-b", "0"]);
    try {
      const url = await run.url;
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      const s = await scrapeUntil(url, (x) => sum(x, "sluice_step_items_in_total", { step: "metered.out" }) === KEYS && sum(x, "sluice_epochs_total") >= 2);

      expect(sum(s, "sluice_source_items_total", { step: "metered.in", partition: "iterable" })).toBe(ITEMS);
      expect(sum(s, "sluice_step_items_out_total", { step: "metered.in" })).toBe(ITEMS);
      // map and keyOn run fused in one loop: the chain is counted at its first step.
      expect(sum(s, "sluice_step_items_in_total", { step: "metered.up.flat_map_batch" })).toBe(ITEMS);
      expect(sum(s, "sluice_step_items_out_total", { step: "metered.up.flat_map_batch" })).toBe(ITEMS);
      expect(s.some((x) => x.name === "sluice_step_items_in_total" && x.labels.step === "metered.key.flat_map_batch")).toBe(false);
      expect(sum(s, "sluice_step_items_in_total", { step: "metered.count.stateful_batch" })).toBe(ITEMS);
      expect(sum(s, "sluice_step_items_out_total", { step: "metered.count.stateful_batch" })).toBe(ITEMS);
      expect(sum(s, "sluice_step_items_out_total", { step: "metered.first.flat_map_batch" })).toBe(KEYS);
      expect(sum(s, "sluice_step_keys", { step: "metered.count.stateful_batch" })).toBe(KEYS);
      const batches = sum(s, "sluice_step_batches_total", { step: "metered.count.stateful_batch" });
      expect(batches).toBeGreaterThan(0);
      const timed = sum(s, "sluice_step_batch_seconds_count", { step: "metered.count.stateful_batch" });
      expect(timed).toBeLessThanOrEqual(batches);
      expect(sum(s, "sluice_step_batch_seconds_bucket", { step: "metered.count.stateful_batch", le: "+Inf" })).toBe(timed);
      expect(sum(s, "sluice_workers")).toBe(workers);
      expect(sum(s, "sluice_run_info", { flow: "metered" })).toBe(1);
      // Every key's count is snapshotted at least once, in some epoch.
      expect(sum(s, "sluice_snapshot_keys_total")).toBeGreaterThanOrEqual(KEYS);
      expect(sum(s, "sluice_snapshot_bytes_total")).toBeGreaterThan(0);
      expect(sum(s, "sluice_epoch")).toBeGreaterThanOrEqual(2);
      expect(s.some((x) => x.name === "process_cpu_seconds_total")).toBe(true);
      expect(s.some((x) => x.name === "process_resident_memory_bytes")).toBe(true);
      const workersSeen = new Set(s.filter((x) => x.name === "sluice_step_items_in_total").map((x) => x.labels.worker));
      expect([...workersSeen].sort()).toEqual(Array.from({ length: workers }, (_, i) => String(i)));
      if (workers > 1) {
        // Keys were exchanged, and nothing is left waiting once every item went through.
        const sent = s.filter((x) => x.name === "sluice_exchange_waiting_items");
        expect(sent.length).toBe(workers);
        expect(sum(s, "sluice_exchange_waiting_items")).toBe(0);
      }
    } finally {
      const r = await run.stop();
      expect(r.code).toBe(143);
      expect(r.stdout.split("\n").filter((l) => l.startsWith("first ")).length).toBe(KEYS);
    }
  }, 60_000);
});

describe("serving errors", () => {
  it("a port in use is an error naming the address, before any item is read", async () => {
    const { createServer } = await import("node:net");
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    try {
      const env = { ...process.env };
      for (const name of Object.keys(env)) if (name.startsWith("SLUICE_")) delete env[name];
      const child = spawn(process.execPath, [BIN, "run", FLOW, "--metrics-port", String(port)], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
      let stderr = "";
      let stdout = "";
      child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
      child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
      const code = await new Promise<number | null>((r) => child.on("close", r));
      expect(code).toBe(1);
      expect(stderr).toContain(`cannot serve metrics on 127.0.0.1:${port}: the port is in use`);
      expect(stdout).toBe("");
    } finally {
      server.close();
    }
  });

  it("a bad port is a usage error", async () => {
    const { parseCli } = await import("../../src/run/internal/cliArgs.js");
    expect(() => parseCli(["run", FLOW, "--metrics-port", "70000"], {})).toThrow("option '--metrics-port' must be a port (0-65535) or HOST:PORT; got '70000'");
    expect(parseCli(["run", FLOW, "--metrics-port", "0.0.0.0:9464"], {})).toMatchObject({ metrics: { port: 9464, host: "0.0.0.0" } });
    expect(parseCli(["run", FLOW, "--metrics-port", "[::1]:9"], {})).toMatchObject({ metrics: { port: 9, host: "::1" } });
    expect(parseCli(["run", FLOW], { SLUICE_METRICS_PORT: "9464" })).toMatchObject({ metrics: { port: 9464 } });
  });
});

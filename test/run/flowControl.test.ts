/**
 * Flow control between workers and a prompt stop, on the real CLI
 * (`bin/sluice.js run`): sources faster than a sink on another worker, the
 * channels' occupancy read from the run's Prometheus metrics; flows that
 * could deadlock (a barrier behind a full channel, a loop crossing workers,
 * every worker sending to every other one) run to the right end under tiny
 * capacities; SIGTERM with a backlog exits at once and a recovered rerun
 * gives what an uninterrupted run gives.
 */
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BuildError, cliMain, Dataflow, runMain } from "../../src/index.js";
import { TestingSink, TestingSource } from "../../src/testing/index.js";
import { parseCli } from "../../src/run/internal/cliArgs.js";
import { sluice, start, type Running } from "../support/cli.js";
import { parseMetrics, sum, type SampleLine } from "../support/metrics.js";

const PRESSURE = "test/run/fixtures/pressure.ts";
const LOOPS = "test/run/fixtures/loops.ts";

/** The metrics URL the run prints on stderr. */
async function metricsUrl(run: Running): Promise<string> {
  await run.printed("/metrics", "stderr");
  return /metrics at (http:\S+)/.exec(run.stderr())![1];
}

/** Scrape `url` until `ready` holds (workers post their counters every second). */
async function scrapeUntil(url: string, ready: (s: SampleLine[]) => boolean, run: Running): Promise<SampleLine[]> {
  for (;;) {
    const samples = parseMetrics(await (await fetch(url)).text());
    if (ready(samples)) return samples;
    if (run.child.exitCode !== null) throw new Error("the run ended before the metrics were ready");
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Send SIGTERM; how the run ended and how long it took to exit (ms). */
async function terminate(run: Running): Promise<{ code: number | null; ms: number; stderr: string }> {
  const t0 = performance.now();
  run.child.kill("SIGTERM");
  const r = await run.done;
  return { code: r.code, ms: performance.now() - t0, stderr: r.stderr };
}

/** Every line of every file in `dir`, sorted. */
function allLines(dir: string): string[] {
  return readdirSync(dir)
    .flatMap((f) => readFileSync(join(dir, f), "utf8").split("\n"))
    .filter((l) => l !== "")
    .sort();
}

describe("flow control between workers (sluice run)", () => {
  describe.each([2, 4])("with -w %i, a slow sink on one worker", (workers) => {
    it("keeps each channel under its capacity (plus one source batch), and SIGTERM exits at once", async () => {
      const capacity = 3000;
      const batch = 1000;
      const run = start(["run", PRESSURE, "-w", String(workers), "--channel-capacity", String(capacity), "--metrics-port", "0"], {
        env: { PRESSURE_BATCH: String(batch), PRESSURE_DELAY_MS: "5" },
      });
      const url = await metricsUrl(run);
      // Long enough for the sources to fill the channels many times over without flow control.
      const samples = await scrapeUntil(url, (s) => sum(s, "sluice_step_items_in_total", { step: "pressure.out" }) >= 60_000, run);
      const channels = samples.filter((x) => x.name === "sluice_exchange_channel_items_max");
      expect(channels).toHaveLength(workers * (workers - 1));
      // The channels into the sink's worker filled up to the bound (the bound is what held the sources back) ...
      const busiest = Math.max(...channels.map((c) => c.value));
      expect(busiest).toBeGreaterThanOrEqual(capacity);
      // ... and never went past it by more than one source batch.
      for (const c of channels) expect(c.value, JSON.stringify(c.labels)).toBeLessThanOrEqual(capacity + batch);
      expect(sum(samples, "sluice_exchange_channel_capacity")).toBe(capacity);
      for (const c of samples.filter((x) => x.name === "sluice_exchange_channel_items")) expect(c.value).toBeLessThanOrEqual(capacity + batch);
      const stop = await terminate(run);
      expect(stop.code).toBe(143);
      // Measured: tens of ms (bench/pressure.ts); the margin is for a loaded machine.
      expect(stop.ms).toBeLessThan(3000);
    }, 60_000);
  });

  it("lets items pile up past the default bound when the capacity is huge (what the gauge reports is the real backlog)", async () => {
    const run = start(["run", PRESSURE, "-w", "2", "--channel-capacity", "100000000", "--metrics-port", "0"], {
      env: { PRESSURE_BATCH: "1000", PRESSURE_DELAY_MS: "5" },
    });
    const url = await metricsUrl(run);
    const samples = await scrapeUntil(url, (s) => sum(s, "sluice_exchange_channel_items_max") >= 100_000, run);
    expect(sum(samples, "sluice_exchange_channel_items", { from: "0", to: "1" })).toBeGreaterThan(50_000);
    const stop = await terminate(run);
    expect(stop.code).toBe(143);
    // A backlog of seconds of sink work is dropped, not drained.
    expect(stop.ms).toBeLessThan(3000);
  }, 60_000);

  it("closes every epoch (-s 0: a barrier per round of batches) with a full channel, and writes every item once", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-flow-"));
    const out = join(dir, "out.txt");
    const r = await sluice(["run", PRESSURE, "-w", "3", "-s", "0", "--channel-capacity", "10"], {
      env: { PRESSURE_ITEMS: "300", PRESSURE_BATCH: "7", PRESSURE_DELAY_MS: "1", PRESSURE_OUT: out },
    });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const expected = [0, 1, 2, 3].flatMap((p) => Array.from({ length: 300 }, (_, i) => `p${p}-${i}`)).sort();
    expect(readFileSync(out, "utf8").split("\n").filter(Boolean).sort()).toEqual(expected);
  }, 60_000);

  it.each([1, 10])("runs a loop (op.feedback) whose items cross workers to its end with capacity %i", async (capacity) => {
    const expected = Array.from({ length: 300 }, (_, i) => `${i + 1}: ${collatzSteps(i + 1)}`).sort();
    const out = mkdtempSync(join(tmpdir(), "sluice-flow-"));
    const r = await sluice(["run", `${LOOPS}:collatz`, "-w", "3", "-s", "0.02", "--channel-capacity", String(capacity)], { env: { PAR_OUT: out } });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(allLines(out).map((l) => JSON.parse(l) as string).sort()).toEqual(expected);
  }, 60_000);

  it("runs a flow where every worker sends to every other one on two exchanges with capacity 1", async () => {
    const env = { PRESSURE_ITEMS: "500", PRESSURE_BATCH: "13" };
    const one = mkdtempSync(join(tmpdir(), "sluice-flow-"));
    const three = mkdtempSync(join(tmpdir(), "sluice-flow-"));
    expect((await sluice(["run", `${PRESSURE}:mesh`, "-s", "0.05"], { env: { ...env, PAR_OUT: one } })).code).toBe(0);
    const r = await sluice(["run", `${PRESSURE}:mesh`, "-w", "3", "-s", "0.05", "--channel-capacity", "1"], { env: { ...env, PAR_OUT: three } });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(allLines(one)).toHaveLength(2000);
    expect(allLines(three)).toEqual(allLines(one));
    // Each of the three workers wrote some: the items crossed between all of them.
    expect(readdirSync(three)).toHaveLength(3);
  }, 60_000);
});

describe("a prompt stop (sluice run -w 4 -r)", () => {
  it("exits on SIGTERM with a backlogged worker at once, and a recovered rerun writes what an uninterrupted run writes", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-stop-"));
    const rec = join(dir, "rec");
    expect((await sluice(["recovery", "init", rec, "2"])).code).toBe(0);
    const out = join(dir, "out.txt");
    // Partitions p0 and p1 are read by workers 1 and 2; the sink's one partition is written by worker 3,
    // which reads nothing itself: it only works through what the other two send it.
    const env = { PRESSURE_PARTS: "2", PRESSURE_ITEMS: "5000", PRESSURE_BATCH: "100", PRESSURE_OUT: out };
    // A sink of 100 ms a batch of 100, two channels of 20 batches each: 4 s of backlog on worker 3.
    const run = start(["run", PRESSURE, "-w", "4", "-r", rec, "-s", "1", "-b", "0", "--channel-capacity", "2000", "-v"], {
      env: { ...env, PRESSURE_DELAY_MS: "100" },
    });
    await run.printed("epoch 1 committed", "stderr");
    const stop = await terminate(run);
    expect(stop.code).toBe(143);
    // Measured: about 100 ms (the sink's write in progress); draining the backlog took seconds.
    expect(stop.ms).toBeLessThan(1500);
    expect(stop.stderr).toContain("run ended (stopped)");
    expect(readFileSync(out, "utf8").split("\n").filter(Boolean).length).toBeLessThan(10_000);
    // Resume from the last commit, fast this time; the file sink truncates what came after it.
    const rerun = await sluice(["run", PRESSURE, "-w", "4", "-r", rec, "-s", "0.3", "-b", "0", "-v"], { env: { ...env, PRESSURE_DELAY_MS: "0" } });
    expect(rerun.code).toBe(0);
    expect(rerun.stderr).toMatch(/resum/);
    const reference = join(dir, "reference.txt");
    expect((await sluice(["run", PRESSURE, "-w", "4"], { env: { ...env, PRESSURE_DELAY_MS: "0", PRESSURE_OUT: reference } })).code).toBe(0);
    const lines = (f: string): string[] => readFileSync(f, "utf8").split("\n").filter(Boolean).sort();
    expect(lines(reference)).toHaveLength(10_000);
    expect(lines(out)).toEqual(lines(reference));
  }, 60_000);
});

describe("channelCapacity validation", () => {
  it.each(["0", "-1", "1.5", "abc", ""])("rejects --channel-capacity '%s' with exit code 2, naming the flag", async (value) => {
    const r = await sluice(["run", PRESSURE, "-w", "2", `--channel-capacity=${value}`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`option '--channel-capacity' must be a positive integer (items per channel between two workers); got '${value}'`);
  });

  it("rejects a bad SLUICE_CHANNEL_CAPACITY naming it, and takes a good one (the flag over it)", async () => {
    const r = await sluice(["run", PRESSURE, "-w", "2"], { env: { SLUICE_CHANNEL_CAPACITY: "0" } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("SLUICE_CHANNEL_CAPACITY must be a positive integer (items per channel between two workers); got '0'");
    expect(parseCli(["run", PRESSURE], { SLUICE_CHANNEL_CAPACITY: "64" })).toMatchObject({ channelCapacity: 64 });
    expect(parseCli(["run", PRESSURE, "--channel-capacity", "8"], { SLUICE_CHANNEL_CAPACITY: "64" })).toMatchObject({ channelCapacity: 8 });
    expect(parseCli(["run", PRESSURE], {})).not.toHaveProperty("channelCapacity");
  });

  it.each([0, -1, 1.5, Number.NaN])("rejects channelCapacity %s in runMain and cliMain with a BuildError naming the option", async (value) => {
    const flow = new Dataflow("f");
    flow.input("in", new TestingSource([1])).output("out", new TestingSink([]));
    const message = `channelCapacity must be a positive integer (items a channel between two workers holds); got ${String(value)}`;
    await expect(runMain(flow, { channelCapacity: value })).rejects.toThrow(new BuildError(message));
    await expect(cliMain(PRESSURE, "flow", { workers: 2, channelCapacity: value })).rejects.toThrow(new BuildError(message));
  });
});

function collatzSteps(n: number): number {
  let k = 0;
  for (let x = n; x !== 1 || k === 0; x = x % 2 === 1 ? 3 * x + 1 : x / 2) k++;
  return k;
}

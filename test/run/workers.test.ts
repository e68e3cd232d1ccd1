// Runs flows on several worker threads through the built package (dist/),
// as users do: worker threads import the flow module, which imports "sluice".
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { cliMain, initDbDir, RecoveryConfig, StepError } from "../../dist/index.js";
import { waitForWrites } from "../support/waitFor.js";
import { runOnWorkers, type WorkersOutput } from "../support/workers.js";

const FIXTURE = fileURLToPath(new URL("./fixtures/parallel.ts", import.meta.url));

/** Run `exportName` on `workers` workers; every worker's output lines, parsed. */
const runOn = (exportName: string, workers: number, options?: Parameters<typeof runOnWorkers>[3]): Promise<WorkersOutput> =>
  runOnWorkers(FIXTURE, exportName, workers, options);

const sorted = (xs: unknown[]): string[] => xs.map((x) => JSON.stringify(x)).sort();

describe("several workers", () => {
  for (const name of ["stateless", "keyed", "windowed", "joined"]) {
    it(`gives the same multiset of results with 1, 2 and 4 workers: ${name}`, async () => {
      const one = await runOn(name, 1);
      expect(one.items.length).toBeGreaterThan(0);
      for (const n of [2, 4]) {
        const many = await runOn(name, n);
        expect(sorted(many.items)).toEqual(sorted(one.items));
        // Work really is spread: more than one worker wrote output.
        expect(many.perWorker.filter((c) => c > 0).length).toBeGreaterThan(1);
      }
    }, 60_000);
  }

  it("gives the same results with one epoch per round of batches (epochInterval 0)", async () => {
    const one = await runOn("keyed", 1, { epochInterval: 0 });
    const two = await runOn("keyed", 2, { epochInterval: 0 });
    expect(sorted(two.items)).toEqual(sorted(one.items));
  }, 60_000);

  it("closes epochs on the interval, not back to back", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-par-epochs-"));
    initDbDir(dir, 2);
    const t0 = Date.now();
    const { items } = await runOn("keyed", 2, { epochInterval: 60_000, recovery: new RecoveryConfig(dir) });
    expect(items.length).toBe(1200);
    expect(Date.now() - t0).toBeLessThan(60_000);
    // A run shorter than the interval commits one epoch: the final one.
    for (const f of ["part-0.sqlite3", "part-1.sqlite3"]) {
      const db = new Database(join(dir, f), { readonly: true });
      const epochs = db.prepare("SELECT commit_epoch FROM commits ORDER BY commit_epoch").pluck().all();
      db.close();
      expect(epochs).toEqual([1]);
    }
  });

  it("awaits async listParts of a source and a sink on every worker: the results of one worker, each partition written once", async () => {
    const one = await runOn("listedAsync", 1);
    expect(one.items).toHaveLength(400);
    const two = await runOn("listedAsync", 2);
    expect(sorted(two.items)).toEqual(sorted(one.items));
    // One file per sink partition: all three were written.
    expect(two.perWorker).toHaveLength(3);
    expect(two.perWorker.every((n) => n > 0)).toBe(true);
  });

  for (const [exportName, stepId] of [
    ["listedSourceRejects", "listed.in"],
    ["listedSinkRejects", "listed.out"],
  ]) {
    it(`fails with a StepError naming '${stepId}' when its listParts rejects on the workers`, async () => {
      const err = await runOn(exportName, 2).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StepError);
      expect(err).toMatchObject({ stepId, message: `error calling \`listParts\` in step '${stepId}': the partition service is down` });
    });
  }

  it("passes each worker its index and the worker count", async () => {
    const { items } = await runOn("whoAmI", 3);
    expect(items.sort()).toEqual(["0/3", "1/3", "2/3"]);
  });

  it("rescales: 3 workers, then 5, then 1 continue the same keyed state", async () => {
    const fresh = (): RecoveryConfig => {
      const dir = mkdtempSync(join(tmpdir(), "sluice-par-rec-"));
      initDbDir(dir, 3);
      return new RecoveryConfig(dir);
    };
    // Reference: three runs on one worker, each continuing after an EOF marker.
    const refRecovery = fresh();
    const reference = [];
    for (let i = 0; i < 3; i++) reference.push(...(await runOn("runningMax", 1, { recovery: refRecovery })).items);
    const recovery = fresh();
    const runs = [];
    for (const n of [3, 5, 1]) runs.push(await runOn("runningMax", n, { recovery }));
    expect(runs.map((r) => r.items.length)).toEqual([300, 300, 300]);
    expect(sorted(runs.flatMap((r) => r.items))).toEqual(sorted(reference));
  }, 60_000);

  it("a worker still opening when its peers' items of a resumed epoch arrive processes them before the final barrier", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-par-rec-"));
    initDbDir(dir, 2);
    const recovery = new RecoveryConfig(dir);
    // The first run reaches EOF: the second resumes at a later epoch.
    expect((await runOn("runningMax", 2, { recovery })).items).toHaveLength(300);
    // One epoch only (no tick during the run): the items must be processed in it, before the final barrier.
    for (const workers of [2, 3]) expect((await runOn("runningMaxSlowOpen", workers, { recovery, epochInterval: 60_000 })).items).toHaveLength(300);
  }, 60_000);

  it("fails promptly with the original StepError when one worker fails", async () => {
    const t0 = Date.now();
    const err = await runOn("failing", 3).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StepError);
    expect(err).toMatchObject({ stepId: "failing.check" });
    expect((err as Error).message).toContain("error calling `mapper` in step 'failing.check' for key");
    expect((err as Error).message).toContain("bad number 777");
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it("reports an item that cannot cross workers as a StepError naming the step", async () => {
    const err = await runOn("uncloneable", 2).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StepError);
    expect(err).toMatchObject({ stepId: "uncloneable.keep" });
    expect((err as Error).message).toContain("cannot send a function");
  });

  it("a stopped run aborts every worker's source and sink partitions, so they release what they hold", async () => {
    const ctl = new AbortController();
    const logs = mkdtempSync(join(tmpdir(), "sluice-par-log-"));
    process.env.PAR_LOG = logs;
    delete process.env.PAR_FAIL_ON;
    const run = cliMain(FIXTURE, "foreverLogged", { workers: 2, epochInterval: 50, signal: ctl.signal });
    // Stop once both workers are running: each one's sink has written.
    await waitForWrites(logs, "both workers to write", () => [0, 1].every((w) => existsSync(join(logs, `w${w}.wrote`))), run);
    ctl.abort();
    await run;
    for (const w of [0, 1]) {
      expect(readFileSync(join(logs, `w${w}.log`), "utf8").split("\n").filter(Boolean).sort()).toEqual(["sink AbortExecution", "source AbortExecution"]);
    }
  });

  it("a failing worker aborts its partitions with the run's StepError", async () => {
    const logs = mkdtempSync(join(tmpdir(), "sluice-par-log-"));
    process.env.PAR_LOG = logs;
    process.env.PAR_FAIL_ON = "1";
    try {
      const err = await cliMain(FIXTURE, "foreverLogged", { workers: 2, epochInterval: 50 }).catch((e: unknown) => e);
      expect(err).toMatchObject({ stepId: "forever_logged.check" });
    } finally {
      delete process.env.PAR_FAIL_ON;
    }
    expect(readFileSync(join(logs, "w1.log"), "utf8").split("\n").filter(Boolean).sort()).toEqual(["sink StepError", "source StepError"]);
  });

  it("stops every worker cleanly on a signal", async () => {
    const ctl = new AbortController();
    const out = mkdtempSync(join(tmpdir(), "sluice-par-"));
    process.env.PAR_OUT = out;
    const run = cliMain(FIXTURE, "forever", { workers: 2, epochInterval: 50, signal: ctl.signal });
    // The output lines written so far (each key once, on its first value).
    const written = (): string[] =>
      readdirSync(out).flatMap((f) => readFileSync(join(out, f), "utf8").split("\n").slice(0, -1));
    // Stop once the run is in full swing: all 10 keys went through the exchange to their worker.
    await waitForWrites(out, "every key to be written", () => written().length === 10, run);
    ctl.abort();
    const t0 = Date.now();
    await run;
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(sorted(written().map((l) => JSON.parse(l)))).toEqual(
      sorted(["p0", "p1"].flatMap((p) => [0, 1, 2, 3, 4].map((k) => [`${p}k${k}`, 1]))),
    );
  });
});

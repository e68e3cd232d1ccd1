/**
 * `sluice recovery inspect`, run for real: a recovery directory written by
 * real runs (`runMain` with recovery), read by the real CLI.
 */
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { Dataflow, InconsistentPartitionsError, RecoveryConfig, initDbDir } from "../../src/index.js";
import { runMain, TestingSink, TestingSource } from "../../src/testing/index.js";
import { formatBytes } from "../../src/recovery/formatRecoveryReport.js";
import type { RecoveryReport } from "../../src/recovery/inspect.js";
import { sluice } from "../support/cli.js";

/** The flow file the CLI loads: the same word count, as `flow` and with its step renamed (`renamed`). */
const FLOWS = "test/recovery/fixtures/inspectFlows.ts";

/** The words of the first run, then (after the EOF marker) of the second. */
const WORDS = ["apple", "banana", "apple", "cherry", TestingSource.EOF(), "apple", "date"];

/** The word count of the fixture: flow id "wc", a running count per word in step "count". */
function wordCount(out: unknown[], epochs: number[]): Dataflow {
  const flow = new Dataflow("wc");
  flow
    .input("in", new TestingSource<string>(WORDS))
    .inspectDebug("epoch", (_step, _item, epoch) => epochs.push(epoch))
    .keyOn("key", (w) => w)
    .statefulMap("count", (n: number | undefined, _w: string) => [(n ?? 0) + 1, (n ?? 0) + 1] as const)
    .output("out", new TestingSink(out));
  return flow;
}

/** A recovery directory of `partitions` partitions after `runs` runs of the word count (each reads up to the next EOF). */
async function countedDir(partitions: number, runs: number): Promise<{ dir: string; flow: Dataflow; epochs: number[] }> {
  const dir = mkdtempSync(join(tmpdir(), "sluice-inspect-"));
  initDbDir(dir, partitions);
  const epochs: number[] = [];
  let flow = wordCount([], epochs);
  for (let i = 0; i < runs; i++) {
    flow = wordCount([], epochs);
    await runMain(flow, { epochInterval: 0, recovery: new RecoveryConfig(dir) });
  }
  return { dir, flow, epochs };
}

/** Bytes of the snapshots of these counts, encoded as the flow encodes them. */
function countBytes(flow: Dataflow, counts: readonly number[]): number {
  return counts.reduce((sum, n) => sum + flow.stateSerde.serialize(n).length, 0);
}

async function inspectJson(...args: string[]): Promise<RecoveryReport> {
  const r = await sluice(["recovery", "inspect", ...args, "--json"]);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as RecoveryReport;
}

describe("sluice recovery inspect", () => {
  it("reports partitions, executions, commits and the keys of each stored step, as text and as JSON", async () => {
    const { dir, flow, epochs } = await countedDir(3, 1);
    const files = readdirSync(dir).filter((f) => f.endsWith(".sqlite3")).sort();
    const before = files.map((f) => readFileSync(join(dir, f)));

    const report = await inspectJson(dir);
    // The shape RECOVERY_HELP and docs/recovery.md document.
    expect(Object.keys(report)).toEqual([
      "directory", "schemaVersion", "partitionCount", "createdAt", "resumeEpoch", "lastCommit",
      "partitions", "executions", "steps", "flow", "warnings",
    ]);
    expect(Object.keys(report.partitions[0])).toEqual(["index", "file", "bytes", "walBytes", "lastCommit", "resumeEpoch", "gcEpoch"]);
    expect(report.directory).toBe(dir);
    expect(report.partitionCount).toBe(3);
    expect(report.partitions.map((p) => [p.index, p.file, p.bytes])).toEqual(
      files.map((f, i) => [i, join(dir, f), statSync(join(dir, f)).size]),
    );
    // Every epoch an item was read in is committed, in every partition, and a run resumes right after.
    const last = report.resumeEpoch - 1;
    expect(last).toBeGreaterThanOrEqual(Math.max(...epochs));
    expect(report.lastCommit?.epoch).toBe(last);
    expect(Date.parse(report.lastCommit!.at!)).toBeGreaterThan(Date.now() - 60_000);
    for (const p of report.partitions) {
      expect(p.lastCommit?.epoch).toBe(last);
      expect(p.resumeEpoch).toBe(report.resumeEpoch);
    }
    expect(report.executions).toEqual([
      { number: 1, workers: 1, resumeEpoch: 1, startedAt: expect.any(String) as string, frontier: report.resumeEpoch },
    ]);
    // apple 2, banana 1, cherry 1; the source's one partition.
    const count = report.steps.find((s) => s.stepId === "wc.count.stateful_batch")!;
    expect(count).toMatchObject({ keys: 3, bytes: countBytes(flow, [2, 1, 1]) });
    expect(count.snapshots).toBeGreaterThanOrEqual(3);
    const input = report.steps.find((s) => s.stepId === "wc.in")!;
    expect(input.keys).toBe(1);
    expect(report.steps.map((s) => s.stepId)).toEqual(["wc.count.stateful_batch", "wc.in"]);
    expect(report.flow).toBeNull();
    expect(report.warnings).toEqual([]);

    const text = await sluice(["recovery", "inspect", dir]);
    expect(text.code).toBe(0);
    expect(text.stderr).toBe("");
    const lines = text.stdout.split("\n");
    expect(lines[0]).toBe(`recovery directory ${dir}: 3 partitions, created ${report.createdAt}`);
    expect(lines[1]).toBe(`last commit: epoch ${last} at ${report.lastCommit!.at}; a run started now resumes at epoch ${report.resumeEpoch}`);
    expect(text.stdout).toContain(`\n  part-2.sqlite3  ${formatBytes(report.partitions[2].bytes)}`);
    expect(text.stdout).toMatch(new RegExp(`\\n  1 +1 +${report.executions[0].startedAt} +1 +epochs 1-${last}\\n`));
    expect(text.stdout).toMatch(new RegExp(`\\n  wc\\.count\\.stateful_batch +3 +${formatBytes(count.bytes)} +${count.snapshots} `));
    expect(text.stdout.endsWith("\nno warnings\n")).toBe(true);

    // Read-only: not a byte of the partitions changed.
    expect(files.map((f) => readFileSync(join(dir, f)))).toEqual(before);

    // The next run resumes exactly where inspect said, and counts on.
    await runMain(wordCount([], []), { epochInterval: 0, recovery: new RecoveryConfig(dir) });
    const after = await inspectJson(dir);
    expect(after.executions.map((e) => [e.number, e.resumeEpoch])).toEqual([[1, 1], [2, report.resumeEpoch]]);
    expect(after.executions[1].frontier).toBe(after.resumeEpoch);
    expect(after.resumeEpoch).toBeGreaterThan(report.resumeEpoch);
    // apple 3, banana 1, cherry 1, date 1.
    expect(after.steps.find((s) => s.stepId === "wc.count.stateful_batch")).toMatchObject({ keys: 4, bytes: countBytes(flow, [3, 1, 1, 1]) });
  });

  it("warns about a stored step the flow no longer has: a renamed step ignores its old state", async () => {
    const { dir, flow } = await countedDir(2, 1);
    const bytes = formatBytes(countBytes(flow, [2, 1, 1]));
    const warning =
      `step 'wc.count.stateful_batch' has 3 stored keys (${bytes}) but flow 'wc' has no such step: was it renamed? ` +
      "Its state is ignored. Steps of the flow with no stored state: 'wc.tally.stateful_batch'.";

    const renamed = await sluice(["recovery", "inspect", dir, `${FLOWS}:renamed`]);
    expect(renamed.stderr).toBe("");
    expect(renamed.code).toBe(0);
    expect(renamed.stdout).toContain("\nflow 'wc': 2 steps keeping state: wc.in, wc.tally.stateful_batch\n");
    expect(renamed.stdout.endsWith(`\nwarning: ${warning}\n1 warning\n`)).toBe(true);
    const json = await inspectJson(dir, `${FLOWS}:renamed`);
    expect(json.flow).toEqual({ flowId: "wc", stepIds: ["wc.in", "wc.tally.stateful_batch"] });
    expect(json.warnings).toEqual([warning]);

    // The flow as it ran: every stored step is one of its steps.
    const same = await sluice(["recovery", "inspect", dir, FLOWS]);
    expect(same.code).toBe(0);
    expect(same.stdout).toContain("\nflow 'wc': 2 steps keeping state: wc.in, wc.count.stateful_batch\n");
    expect(same.stdout.endsWith("\nno warnings\n")).toBe(true);
  });

  it("reports a directory no run has used yet", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-inspect-"));
    initDbDir(dir, 2);
    const r = await sluice(["recovery", "inspect", dir]);
    expect(r.code).toBe(0);
    const lines = r.stdout.split("\n");
    expect(lines[1]).toBe("nothing committed yet: a run starts at epoch 1");
    expect(r.stdout).toContain("\nexecutions:\n  none: no run has used the directory\n");
    expect(r.stdout).toContain("\nstate (each key's newest snapshot before epoch 1):\n  nothing stored\n");
    const report = await inspectJson(dir);
    expect(report).toMatchObject({ resumeEpoch: 1, lastCommit: null, executions: [], steps: [], warnings: [] });
    expect(report.partitions.map((p) => p.lastCommit)).toEqual([null, null]);
  });

  it("reports what a run would refuse as warnings: a missing partition, another directory's partition", async () => {
    const { dir } = await countedDir(2, 1);
    rmSync(join(dir, "part-1.sqlite3"));
    const report = await inspectJson(dir);
    expect(report.partitions.map((p) => p.index)).toEqual([0]);
    expect(report.warnings).toEqual([
      `partition 1 of 2 is missing from ${dir}: a run fails with MissingPartitionsError; restore it from a backup`,
    ]);
    const other = mkdtempSync(join(tmpdir(), "sluice-inspect-"));
    initDbDir(other, 2);
    copyFileSync(join(other, "part-1.sqlite3"), join(dir, "part-1.sqlite3"));
    expect((await inspectJson(dir)).warnings).toEqual([
      "part-1.sqlite3 belongs to another recovery directory than part-0.sqlite3: a run fails with InconsistentPartitionsError",
    ]);
  });

  it("warns, as a run would fail, about a partition restored from a backup older than the others collected", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-inspect-"));
    initDbDir(dir, 2);
    const backup = join(mkdtempSync(join(tmpdir(), "sluice-inspect-")), "part-0.sqlite3");
    copyFileSync(join(dir, "part-0.sqlite3"), backup);
    // Backup interval 0: the run collects superseded snapshots as soon as it may.
    await runMain(wordCount([], []), { epochInterval: 0, recovery: new RecoveryConfig(dir) });
    for (const f of ["part-0.sqlite3-wal", "part-0.sqlite3-shm"]) rmSync(join(dir, f), { force: true });
    copyFileSync(backup, join(dir, "part-0.sqlite3"));
    const report = await inspectJson(dir);
    expect(report.resumeEpoch).toBe(1);
    const gc = report.partitions[1].gcEpoch;
    expect(gc).toBeGreaterThanOrEqual(1);
    expect(report.warnings).toEqual([
      `partition 1 already discarded snapshots up to epoch ${gc}, but the directory resumes at epoch 1: a partition was probably ` +
        "restored from a backup older than the backup interval; a run fails with InconsistentPartitionsError. Restore all partitions from the same backup",
    ]);
    await expect(runMain(wordCount([], []), { epochInterval: 0, recovery: new RecoveryConfig(dir) })).rejects.toThrow(InconsistentPartitionsError);
  });

  it("fails with exit code 1 naming the directory or file: missing, empty, not a recovery file", async () => {
    const base = mkdtempSync(join(tmpdir(), "sluice-inspect-"));
    const missing = join(base, "nope");
    const r1 = await sluice(["recovery", "inspect", missing]);
    expect(r1.code).toBe(1);
    expect(r1.stdout).toBe("");
    expect(r1.stderr).toBe(`sluice recovery inspect: recovery directory '${missing}' does not exist\n`);

    const r2 = await sluice(["recovery", "inspect", base]);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toBe(
      `sluice recovery inspect: recovery directory '${base}' has no partitions (no part-<n>.sqlite3 files); \`sluice recovery init\` creates them\n`,
    );

    const garbage = join(base, "part-0.sqlite3");
    const text = "not a database, just text that happens to be long enough to look like a header ".repeat(20);
    writeFileSync(garbage, text);
    const r3 = await sluice(["recovery", "inspect", base, "--json"]);
    expect(r3.code).toBe(1);
    expect(r3.stdout).toBe("");
    expect(r3.stderr).toContain(`sluice recovery inspect: recovery partition file ${garbage} is not a recovery file (SQLite: file is not a database)`);
    expect(readFileSync(garbage, "utf8")).toBe(text);

    // An SQLite database, but not one of Sluice's.
    rmSync(garbage);
    const other = new Database(garbage);
    other.exec("CREATE TABLE t (x INTEGER)");
    other.close();
    const r4 = await sluice(["recovery", "inspect", base]);
    expect(r4.code).toBe(1);
    expect(r4.stderr).toContain(`recovery partition file ${garbage} is not a recovery file: it is an SQLite database without Sluice's tables`);
  });
});

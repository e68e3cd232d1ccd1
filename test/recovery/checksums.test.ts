/**
 * Checksummed state on real files, through the real CLI: a byte changed in
 * a stored snapshot fails the run with a `CorruptStateError` before anything
 * is written downstream; `sluice recovery verify` lists every damaged row
 * (exit 1) or says the directory is clean (exit 0); a directory written by
 * schema version 1 (no checksums) is migrated and resumed with its state.
 */
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { CorruptStateError, Dataflow, PartitionFileError, RecoveryConfig, RecoveryError, initDbDir } from "../../src/index.js";
import { runMain, TestingSink, TestingSource } from "../../src/testing/index.js";
import { defaultSerde } from "../../src/recovery/serde.js";
import { runFlowProcess } from "../support/chaos.js";
import { sluice } from "../support/cli.js";

const FLOW = fileURLToPath(new URL("./fixtures/chaosFlow.ts", import.meta.url));
const dirs: string[] = [];

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function workDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "sluice-crc-"));
  dirs.push(dir);
  return dir;
}

/** Lines `k<i % keys>,1`: `keys` keys, each counted `lines / keys` times. */
function lines(from: number, to: number, keys: number): string {
  const out: string[] = [];
  for (let i = from; i < to; i++) out.push(`k${i % keys},1`);
  return out.join("\n") + "\n";
}

function runChaos(input: string, output: string, state: string) {
  return runFlowProcess(FLOW, ["-r", state, "-s", "0.05", "-b", "0"], { CHAOS_INPUT: input, CHAOS_OUTPUT: output });
}

/** Change one byte of the newest stored snapshot of `key` in partition file `file`; returns its step and epoch. */
function flipByte(file: string, key: string): { stepId: string; epoch: number } {
  const db = new Database(file);
  try {
    const row = db
      .prepare("SELECT rowid AS id, step_id, snap_epoch, ser_change FROM snaps WHERE state_key = ? AND ser_change IS NOT NULL ORDER BY snap_epoch DESC LIMIT 1")
      .get(key) as { id: number; step_id: string; snap_epoch: number; ser_change: Buffer };
    const bytes = Buffer.from(row.ser_change);
    bytes[bytes.length - 1] ^= 0x01;
    db.prepare("UPDATE snaps SET ser_change = ? WHERE rowid = ?").run(bytes, row.id);
    return { stepId: row.step_id, epoch: row.snap_epoch };
  } finally {
    db.close();
  }
}

describe("a changed byte in a stored snapshot", () => {
  it("fails `sluice run -r` with CorruptStateError naming file, step, key and epoch, and writes nothing", async () => {
    const work = workDir();
    const input = join(work, "input.csv");
    const output = join(work, "out.txt");
    const state = join(work, "state");
    mkdirSync(state);
    initDbDir(state, 1);
    writeFileSync(input, lines(0, 2000, 10));
    const first = await runChaos(input, output, state);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(readFileSync(output, "utf8")).toContain("k1,1 n=200 sum=200");

    const file = join(state, "part-0.sqlite3");
    const { stepId, epoch } = flipByte(file, "k1");
    appendFileSync(input, lines(2000, 2010, 10));
    const before = readFileSync(output);
    const second = await runChaos(input, output, state);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain("CorruptStateError");
    expect(second.stderr).toContain(`recovery partition file ${file}`);
    expect(second.stderr).toContain(`step '${stepId}' for key 'k1' at epoch ${epoch} does not match its checksum`);
    expect(second.stderr).toContain("Restore the recovery directory");
    // Nothing downstream: the output file is as the first run left it.
    expect(readFileSync(output).equals(before)).toBe(true);

    // verify names the same row, one line, exit 1.
    const v = await sluice(["recovery", "verify", state]);
    expect(v.code).toBe(1);
    expect(v.stdout.trim().split("\n")).toEqual([`${file}: the snapshot of step '${stepId}' for key 'k1' at epoch ${epoch} does not match its checksum`]);
  }, 60_000);

  it("is a CorruptStateError with its fields from runMain, before the sink sees an item", async () => {
    const work = workDir();
    initDbDir(work, 2);
    const recovery = new RecoveryConfig(work);
    const flow = (items: [string, number][], out: unknown[]): Dataflow => {
      const f = new Dataflow("sums");
      f.input("in", new TestingSource(items))
        .statefulMap("sum", (s: number | undefined, v: number) => [(s ?? 0) + v, (s ?? 0) + v] as const)
        .output("out", new TestingSink(out));
      return f;
    };
    await runMain(flow([["a", 1], ["b", 2], ["c", 3]], []), { recovery, epochInterval: 0 });
    let file = "";
    let flipped: { stepId: string; epoch: number } | undefined;
    for (const i of [0, 1]) {
      const f = join(work, `part-${i}.sqlite3`);
      const db = new Database(f, { readonly: true });
      const has = db.prepare("SELECT 1 FROM snaps WHERE state_key = 'b'").get() !== undefined;
      db.close();
      if (has) flipped = flipByte((file = f), "b");
    }
    const out: unknown[] = [];
    const err = await runMain(flow([["b", 10]], out), { recovery, epochInterval: 0 }).then(
      () => new Error("the run did not fail"),
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CorruptStateError);
    expect(err).toBeInstanceOf(RecoveryError);
    expect(err).toMatchObject({ file, stepId: flipped!.stepId, stateKey: "b", epoch: flipped!.epoch });
    expect(out).toEqual([]);
  });

  it("in a progress row fails the run with PartitionFileError 'corrupt', and verify lists it", async () => {
    const work = workDir();
    initDbDir(work, 1);
    const file = join(work, "part-0.sqlite3");
    const f = new Dataflow("one");
    f.input("in", new TestingSource([["a", 1]] as [string, number][]))
      .statefulMap("sum", (s: number | undefined, v: number) => [(s ?? 0) + v, v] as const)
      .output("out", new TestingSink([]));
    await runMain(f, { recovery: new RecoveryConfig(work), epochInterval: 0 });
    const db = new Database(file);
    db.prepare("UPDATE fronts SET worker_frontier = worker_frontier + 1").run();
    db.close();
    const err = await runMain(f, { recovery: new RecoveryConfig(work), epochInterval: 0 }).then(
      () => new Error("the run did not fail"),
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PartitionFileError);
    expect(err).toMatchObject({ file, problem: "corrupt" });
    expect((err as Error).message).toMatch(/the frontier of worker 0 of execution \d+ \(epoch \d+\) does not match its checksum/);
    const v = await sluice(["recovery", "verify", work]);
    expect(v.code).toBe(1);
    expect(v.stdout).toMatch(new RegExp(`^${file}: the frontier of worker 0 of execution \\d+ \\(epoch \\d+\\) does not match its checksum\\n$`));
  });
});

describe("sluice recovery verify", () => {
  it("exits 0 on a clean directory, saying what it checked", async () => {
    const work = workDir();
    const input = join(work, "input.csv");
    const state = join(work, "state");
    mkdirSync(state);
    initDbDir(state, 3);
    writeFileSync(input, lines(0, 500, 50));
    const run = await runChaos(input, join(work, "out.txt"), state);
    expect(run.code).toBe(0);
    const v = await sluice(["recovery", "verify", state]);
    expect(v.stderr).toBe("");
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(new RegExp(`^${state}: 3 partitions, \\d+ snapshots checked, no problems found\\n$`));
  }, 60_000);

  it("lists every finding one a line: damaged rows, a file that is not a recovery file, a missing partition; exit 1", async () => {
    const work = workDir();
    const input = join(work, "input.csv");
    const state = join(work, "state");
    mkdirSync(state);
    initDbDir(state, 3);
    writeFileSync(input, lines(0, 500, 50));
    expect((await runChaos(input, join(work, "out.txt"), state)).code).toBe(0);
    // Two damaged snapshots, wherever their keys live.
    const damaged: string[] = [];
    for (const key of ["k1", "k2"]) {
      for (const i of [0, 1, 2]) {
        const file = join(state, `part-${i}.sqlite3`);
        const db = new Database(file, { readonly: true });
        const has = db.prepare("SELECT 1 FROM snaps WHERE state_key = ?").get(key) !== undefined;
        db.close();
        if (has) {
          const { stepId, epoch } = flipByte(file, key);
          damaged.push(`${file}: the snapshot of step '${stepId}' for key '${key}' at epoch ${epoch} does not match its checksum`);
        }
      }
    }
    expect(damaged).toHaveLength(2);
    let v = await sluice(["recovery", "verify", state]);
    expect(v.code).toBe(1);
    expect(v.stdout.trim().split("\n").sort()).toEqual(damaged.sort());

    // A partition overwritten with garbage, another deleted.
    writeFileSync(join(state, "part-2.sqlite3"), "not a database, not at all".repeat(100));
    rmSync(join(state, "part-2.sqlite3-wal"), { force: true });
    rmSync(join(state, "part-2.sqlite3-shm"), { force: true });
    v = await sluice(["recovery", "verify", state]);
    expect(v.code).toBe(1);
    const found = v.stdout.trim().split("\n");
    expect(found.some((l) => l.startsWith(`recovery partition file ${join(state, "part-2.sqlite3")} is not a recovery file`))).toBe(true);
    expect(found).toContain(`${state}: the partitions' consistency was not checked: part-2.sqlite3 could not be read`);
  }, 60_000);

  it("exits 1 with a message for a missing directory, 2 for a bad command line", async () => {
    const work = workDir();
    const missing = await sluice(["recovery", "verify", join(work, "nope")]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`recovery directory '${join(work, "nope")}' does not exist`);
    const usage = await sluice(["recovery", "verify"]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("usage: sluice recovery verify <dir>");
  });
});

/** Schema version 1 as shipped (migration 1 of src/recovery/schema.ts, before checksums): a copy, so editing the code cannot change it. */
const V1_DDL = `
  CREATE TABLE parts (
    part_index INTEGER PRIMARY KEY,
    part_count INTEGER NOT NULL,
    dir_id TEXT NOT NULL,
    created_at TEXT NOT NULL
  ) STRICT;
  CREATE TABLE exs (
    ex_num INTEGER PRIMARY KEY,
    worker_count INTEGER NOT NULL,
    resume_epoch INTEGER NOT NULL,
    started_at TEXT NOT NULL
  ) STRICT;
  CREATE TABLE fronts (
    ex_num INTEGER NOT NULL,
    worker_index INTEGER NOT NULL,
    worker_frontier INTEGER NOT NULL,
    PRIMARY KEY (ex_num, worker_index)
  ) STRICT;
  CREATE TABLE commits (
    commit_epoch INTEGER PRIMARY KEY,
    committed_at REAL NOT NULL,
    gc_epoch INTEGER NOT NULL
  ) STRICT;
  CREATE TABLE snaps (
    step_id TEXT NOT NULL,
    state_key TEXT NOT NULL,
    snap_epoch INTEGER NOT NULL,
    ser_change BLOB,
    PRIMARY KEY (step_id, state_key, snap_epoch)
  ) STRICT;
`;

describe("a directory of schema version 1", () => {
  it("is verified as old, then migrated by a run that resumes from its state; verify is clean after", async () => {
    const work = workDir();
    // One partition as Sluice 1 left it after a run of 'sums' (step 'sum') committed epochs 1 to 3,
    // with a superseded snapshot of 'a' (epoch 1) and a discarded key 'z'.
    const file = join(work, "part-0.sqlite3");
    const db = new Database(file);
    db.pragma("journal_mode = WAL");
    db.exec(V1_DDL);
    db.pragma("user_version = 1");
    db.prepare("INSERT INTO parts VALUES (0, 1, 'dir-v1', '2026-01-01T00:00:00.000Z')").run();
    db.prepare("INSERT INTO exs VALUES (1, 1, 1, '2026-01-01T00:00:00.000Z')").run();
    db.prepare("INSERT INTO fronts VALUES (1, 0, 4)").run();
    for (const e of [1, 2, 3]) db.prepare("INSERT INTO commits VALUES (?, ?, 0)").run(e, 1_767_225_600_000 + e);
    const snap = db.prepare("INSERT INTO snaps VALUES (?, ?, ?, ?)");
    snap.run("sums.sum.stateful_batch", "a", 1, defaultSerde.serialize(1));
    snap.run("sums.sum.stateful_batch", "b", 2, defaultSerde.serialize(2));
    snap.run("sums.sum.stateful_batch", "a", 3, defaultSerde.serialize(4));
    snap.run("sums.sum.stateful_batch", "z", 2, defaultSerde.serialize(100));
    snap.run("sums.sum.stateful_batch", "z", 3, null);
    db.close();

    let v = await sluice(["recovery", "verify", work]);
    expect(v.code).toBe(1);
    expect(v.stdout).toBe(
      `${file}: schema version 1, written by an older Sluice, has no checksums to verify; a run with this Sluice migrates it (version 2) and checksums its rows\n`,
    );
    const inspect = await sluice(["recovery", "inspect", work, "--json"]);
    expect(inspect.code).toBe(0);
    expect(JSON.parse(inspect.stdout)).toMatchObject({ schemaVersion: 1, resumeEpoch: 4, steps: [{ stepId: "sums.sum.stateful_batch", keys: 2 }] });

    const out: unknown[] = [];
    const f = new Dataflow("sums");
    f.input("in", new TestingSource([["a", 10], ["b", 10], ["z", 1]] as [string, number][]))
      .statefulMap("sum", (s: number | undefined, v: number) => [(s ?? 0) + v, (s ?? 0) + v] as const)
      .output("out", new TestingSink(out));
    await runMain(f, { recovery: new RecoveryConfig(work), epochInterval: 0 });
    // a: 4 + 10, b: 2 + 10, z: discarded at epoch 3, so it starts over.
    expect(out).toEqual([["a", 14], ["b", 12], ["z", 1]]);

    const migrated = new Database(file, { readonly: true });
    expect(migrated.pragma("user_version", { simple: true })).toBe(2);
    expect(migrated.prepare("SELECT COUNT(*) AS n FROM snaps WHERE crc IS NULL").get()).toEqual({ n: 0 });
    migrated.close();
    v = await sluice(["recovery", "verify", work]);
    expect(v.stdout).toMatch(/1 partition, \d+ snapshots checked, no problems found/);
    expect(v.code).toBe(0);
  }, 60_000);
});

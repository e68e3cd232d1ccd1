import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import {
  BuildError,
  Dataflow,
  InconsistentPartitionsError,
  MissingPartitionsError,
  NoPartitionsError,
  RecoveryConfig,
  StatefulBatchLogic,
  initDbDir,
  op,
  seconds,
  type LogicResult,
  type RunClock,
  type Stream,
} from "../../src/index.js";
import { runMain, TestingSink, TestingSource, VirtualClock } from "../../src/testing/index.js";
import { runFlow } from "../../src/run/runMain.js";
import { runAdvancing, T_START } from "../support/virtualTime.js";

function freshDir(partitions = 3): string {
  const dir = mkdtempSync(join(tmpdir(), "sluice-rec-"));
  initDbDir(dir, partitions);
  return dir;
}

type Item = readonly [string, number];

/** A running sum per key; a value of 0 discards the key. */
function sumFlow(items: unknown[], out: unknown[]): Dataflow {
  const flow = new Dataflow("f");
  flow
    .input("in", new TestingSource(items as unknown as Item[]))
    .statefulMap("sum", (s: number | undefined, v: number) => (v === 0 ? [undefined, -1] : [(s ?? 0) + v, (s ?? 0) + v]))
    .output("out", new TestingSink(out));
  return flow;
}

describe("initDbDir", () => {
  it("creates WAL partitions with STRICT tables and a schema version", () => {
    const dir = freshDir(2);
    for (const i of [0, 1]) {
      const db = new Database(join(dir, `part-${i}.sqlite3`), { readonly: true });
      expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
      expect(db.pragma("user_version", { simple: true })).toBe(2);
      const tables = db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string; sql: string }[];
      expect(tables.map((t) => t.name)).toEqual(["commits", "exs", "fronts", "parts", "snaps"]);
      for (const t of tables) expect(t.sql).toMatch(/STRICT$/);
      expect(db.prepare("SELECT part_index, part_count FROM parts").get()).toEqual({ part_index: i, part_count: 2 });
      db.close();
    }
  });

  it("rejects a missing directory, a bad count and an initialised directory", () => {
    const missing = join(tmpdir(), "sluice-no-such-dir-" + process.pid);
    expect(() => initDbDir(missing, 1)).toThrow(BuildError);
    expect(() => initDbDir(missing, 1)).toThrow(`recovery directory '${missing}' does not exist`);
    const dir = mkdtempSync(join(tmpdir(), "sluice-rec-"));
    expect(() => initDbDir(dir, 0)).toThrow("partition count must be a positive integer");
    initDbDir(dir, 1);
    const before = readFileSync(join(dir, "part-0.sqlite3"));
    expect(() => initDbDir(dir, 1)).toThrow(BuildError);
    expect(() => initDbDir(dir, 3)).toThrow(
      `recovery directory '${dir}' is already initialised (it has part-0.sqlite3); nothing was changed. ` +
        "To resume from it, pass it to RecoveryConfig (or `sluice run -r`); to start over, delete its part-*.sqlite3* files first",
    );
    expect(readdirSync(dir)).toEqual(["part-0.sqlite3"]);
    expect(readFileSync(join(dir, "part-0.sqlite3")).equals(before)).toBe(true);
  });

  it("runs the documented start-up code again and again: initialise once, then resume", async () => {
    const base = mkdtempSync(join(tmpdir(), "sluice-rec-"));
    const state = join(base, "state");
    const items = [["a", 1], TestingSource.EOF(), ["a", 2], TestingSource.EOF()];
    const outs: unknown[][] = [];
    for (let start = 0; start < 3; start++) {
      // The example of docs/recovery.md and initDbDir, with the directory under a temp dir.
      if (!existsSync(join(state, "part-0.sqlite3"))) {
        mkdirSync(state, { recursive: true });
        initDbDir(state, 4);
      }
      const out: unknown[] = [];
      await runMain(sumFlow(items, out), { epochInterval: 0, recovery: new RecoveryConfig(state) });
      outs.push(out);
    }
    expect(outs).toEqual([[["a", 1]], [["a", 3]], []]);
  });
});

describe("resume", () => {
  it("replays from scratch after an abort before any snapshot", async () => {
    const dir = freshDir();
    const items = [["a", 1], ["b", 2], TestingSource.ABORT(), ["a", 3]];
    const first: unknown[] = [];
    // Default 10 s epochs: the abort comes before the first epoch closes.
    await runMain(sumFlow(items, first), { recovery: new RecoveryConfig(dir) });
    expect(first).toEqual([["a", 1], ["b", 2]]);
    const second: unknown[] = [];
    await runMain(sumFlow(items, second), { recovery: new RecoveryConfig(dir) });
    expect(second).toEqual([["a", 1], ["b", 2], ["a", 4]]);
  });

  it("resumes state after an abort past snapshots, replaying only the open epoch", async () => {
    const dir = freshDir();
    const items = [["a", 1], ["b", 2], ["a", 3], TestingSource.ABORT(), ["b", 10], ["a", 0], ["a", 5]];
    const first: unknown[] = [];
    await runMain(sumFlow(items, first), { epochInterval: 0, recovery: new RecoveryConfig(dir) });
    expect(first).toEqual([["a", 1], ["b", 2], ["a", 4]]);
    const second: unknown[] = [];
    await runMain(sumFlow(items, second), { epochInterval: 0, recovery: new RecoveryConfig(dir) });
    // b kept its sum; a was discarded by 0 and starts fresh.
    expect(second).toEqual([["b", 12], ["a", -1], ["a", 5]]);
  });

  it("keeps a discard across a restart: the key starts fresh", async () => {
    const dir = freshDir(1);
    const items = [["a", 5], ["a", 0], TestingSource.EOF(), ["a", 1]];
    await runMain(sumFlow(items, []), { epochInterval: 0, recovery: new RecoveryConfig(dir) });
    const out: unknown[] = [];
    await runMain(sumFlow(items, out), { epochInterval: 0, recovery: new RecoveryConfig(dir) });
    expect(out).toEqual([["a", 1]]);
  });

  it("continues after EOF with only the new input, run after run", async () => {
    const dir = freshDir();
    const items = [["a", 1], TestingSource.EOF(), ["a", 2], ["b", 1], TestingSource.EOF(), ["a", 3], TestingSource.EOF()];
    const outs: unknown[][] = [];
    for (let i = 0; i < 4; i++) {
      const out: unknown[] = [];
      await runMain(sumFlow(items, out), { recovery: new RecoveryConfig(dir) });
      outs.push(out);
    }
    expect(outs).toEqual([[["a", 1]], [["a", 3], ["b", 1]], [["a", 6]], []]);
  });

  it("snapshots the state left by onEof", async () => {
    class CountUntilEof extends StatefulBatchLogic<number, string, { n: number; eofs: number }> {
      constructor(private readonly s = { n: 0, eofs: 0 }) {
        super();
      }
      onBatch(values: number[]): LogicResult<string> {
        this.s.n += values.length;
        return [[], false];
      }
      override onEof(): LogicResult<string> {
        this.s.eofs++;
        return [[`n=${this.s.n} eofs=${this.s.eofs}`], false];
      }
      snapshot(): { n: number; eofs: number } {
        return { ...this.s };
      }
    }
    const dir = freshDir();
    const items = [["k", 1], ["k", 1], TestingSource.EOF(), ["k", 1], TestingSource.EOF()];
    const make = (out: unknown[]): Dataflow => {
      const flow = new Dataflow("f");
      flow
        .input("in", new TestingSource(items as unknown as Item[]))
        .statefulBatch("count", (resume: { n: number; eofs: number } | undefined) => new CountUntilEof(resume))
        .output("out", new TestingSink(out));
      return flow;
    };
    const a: unknown[] = [];
    const b: unknown[] = [];
    await runMain(make(a), { recovery: new RecoveryConfig(dir) });
    await runMain(make(b), { recovery: new RecoveryConfig(dir) });
    expect(a).toEqual([["k", "n=2 eofs=1"]]);
    expect(b).toEqual([["k", "n=3 eofs=2"]]);
  });

  it("continued after EOF, operators that emit at EOF start afresh while a statefulMap count goes on", async () => {
    const words = ["a", "b", "a", TestingSource.EOF(), "a", "c", TestingSource.EOF()];
    const bodies: Record<string, (s: Stream<string>) => Stream<unknown>> = {
      countFinal: (s) => s.countFinal("count", (w) => w),
      foldFinal: (s) => s.keyOn("k", (w) => w).foldFinal("count", () => 0, (n) => n + 1),
      collect: (s) => s.keyOn("k", (w) => w).collect("all", { timeout: seconds(60) }),
      joinFinal: (s) => op.join("all", [s.keyOn("k", (w) => w)], { insertMode: "product", emitMode: "final" }),
      statefulMap: (s) => s.keyOn("k", (w) => w).statefulMap("count", (n: number | undefined) => [(n ?? 0) + 1, (n ?? 0) + 1]),
    };
    const runs: Record<string, unknown[][]> = {};
    for (const [name, body] of Object.entries(bodies)) {
      const dir = freshDir(1);
      runs[name] = [];
      for (let i = 0; i < 2; i++) {
        const out: unknown[] = [];
        const flow = new Dataflow("f");
        body(flow.input("in", new TestingSource(words as string[]))).output("out", new TestingSink(out));
        await runMain(flow, { recovery: new RecoveryConfig(dir) });
        runs[name].push(out);
      }
    }
    expect(runs).toEqual({
      countFinal: [[["a", 2], ["b", 1]], [["a", 1], ["c", 1]]],
      foldFinal: [[["a", 2], ["b", 1]], [["a", 1], ["c", 1]]],
      collect: [[["a", ["a", "a"]], ["b", ["b"]]], [["a", ["a"]], ["c", ["c"]]]],
      joinFinal: [[["a", ["a"]], ["a", ["a"]], ["b", ["b"]]], [["a", ["a"]], ["c", ["c"]]]],
      statefulMap: [[["a", 1], ["b", 1], ["a", 2]], [["a", 3], ["c", 1]]],
    });
  });

  it("asks restored keys for their timers again, so timers survive a restart", async () => {
    // Both runs on one virtual clock: the first ends at its start, so the second starts there too.
    const clock = new VirtualClock(T_START);
    const due = clock.now() + 400;
    /** When each notification rang (ms from the start). */
    const rangAt: number[] = [];
    class Alarm extends StatefulBatchLogic<number, string, number> {
      constructor(
        private at: number | undefined,
        private readonly clock: RunClock,
      ) {
        super();
      }
      onBatch(): LogicResult<string> {
        this.at = due;
        return [["armed"], false];
      }
      override notifyAt(): Date | undefined {
        return this.at === undefined ? undefined : new Date(this.at);
      }
      override onNotify(): LogicResult<string> {
        rangAt.push(this.clock.now() - T_START);
        return [["rang"], true];
      }
      snapshot(): number {
        return this.at!;
      }
    }
    const dir = freshDir();
    const items: unknown[] = [["k", 1], ["other", 1], TestingSource.ABORT(), TestingSource.PAUSE(800), ["other", 2]];
    const make = (out: unknown[]): Dataflow => {
      const flow = new Dataflow("f");
      const input = flow.input("in", new TestingSource(items as unknown as Item[]));
      input.statefulBatch("alarm", (resume: number | undefined, { clock }) => new Alarm(resume, clock)).output("out", new TestingSink(out));
      return flow;
    };
    const first: unknown[] = [];
    await runAdvancing(make(first), { epochInterval: 0, recovery: new RecoveryConfig(dir), clock });
    expect(first).toEqual([["k", "armed"], ["other", "armed"]]);
    expect(clock.now()).toBe(T_START);
    const second: unknown[] = [];
    await runAdvancing(make(second), { epochInterval: 0, recovery: new RecoveryConfig(dir), clock, advance: 800 });
    // Both restored keys ring during the pause, at their instant, before the next item.
    // ... then the last item re-arms "other" with the (now past) instant: it rings at once.
    expect(second).toEqual([["k", "rang"], ["other", "rang"], ["other", "armed"], ["other", "rang"]]);
    expect(rangAt).toEqual([400, 400, 800]);
  });

  it("starts a resumed run at the resume epoch and records executions", async () => {
    const dir = freshDir(2);
    const items = [["a", 1], ["a", 1], TestingSource.EOF(), ["a", 1]];
    const epochs: number[] = [];
    await runFlow(sumFlow(items, []), { epochInterval: 0, recovery: new RecoveryConfig(dir), onEpochClose: (e) => void epochs.push(e) });
    await runFlow(sumFlow(items, []), { epochInterval: 0, recovery: new RecoveryConfig(dir), onEpochClose: (e) => void epochs.push(e) });
    expect(epochs).toEqual([1, 2, 3, 4, 5]);
    for (const i of [0, 1]) {
      const db = new Database(join(dir, `part-${i}.sqlite3`), { readonly: true });
      expect(db.prepare("SELECT ex_num, worker_count, resume_epoch FROM exs ORDER BY ex_num").all()).toEqual([
        { ex_num: 1, worker_count: 1, resume_epoch: 1 },
        { ex_num: 2, worker_count: 1, resume_epoch: 4 },
      ]);
      expect(db.prepare("SELECT worker_frontier AS f FROM fronts WHERE ex_num = 2").get()).toEqual({ f: 6 });
      db.close();
    }
  });
});

describe("backups and bad directories", () => {
  /** Three runs over an EOF-separated input, on one virtual clock; returns what the third printed. */
  async function runWithRestoredBackup(backupInterval: number): Promise<unknown[]> {
    const dir = freshDir(2);
    // The pause makes the second run span two garbage collections (at most one a second of the run's clock).
    const items = [["a", 1], ["b", 1], TestingSource.EOF(), ["a", 2], TestingSource.PAUSE(1100), ["b", 2], TestingSource.EOF(), ["a", 4], TestingSource.EOF()];
    const recovery = new RecoveryConfig(dir, { backupInterval });
    const clock = new VirtualClock(T_START);
    await runAdvancing(sumFlow(items, []), { epochInterval: 0, recovery, clock });
    // Back up partition 0 (with its WAL) after the first run.
    const backup = mkdtempSync(join(tmpdir(), "sluice-backup-"));
    for (const suffix of ["", "-wal", "-shm"]) {
      const f = join(dir, `part-0.sqlite3${suffix}`);
      if (existsSync(f)) copyFileSync(f, join(backup, `part-0.sqlite3${suffix}`));
    }
    await runAdvancing(sumFlow(items, []), { epochInterval: 0, recovery, clock, advance: 1100 });
    // Disaster: partition 0 is lost and restored from the older backup.
    for (const suffix of ["", "-wal", "-shm"]) rmSync(join(dir, `part-0.sqlite3${suffix}`), { force: true });
    for (const suffix of ["", "-wal", "-shm"]) {
      const f = join(backup, `part-0.sqlite3${suffix}`);
      if (existsSync(f)) copyFileSync(f, join(dir, `part-0.sqlite3${suffix}`));
    }
    const out: unknown[] = [];
    // Replayed from the backup's epoch: the pause again.
    await runAdvancing(sumFlow(items, out), { epochInterval: 0, recovery, clock, advance: 1100 });
    return out;
  }

  it("resumes from a partition backup no older than the backup interval, losing nothing", async () => {
    // The second run is replayed from the backup's epoch: same sums again.
    expect(await runWithRestoredBackup(60_000)).toEqual([["a", 3], ["b", 3]]);
  });

  it("detects a partition restored from a backup older than the backup interval", async () => {
    const err = await runWithRestoredBackup(0).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InconsistentPartitionsError);
    expect((err as Error).message).toContain("restored from a backup older than the backup interval");
  });

  it("fails before reading anything on a directory without partitions", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-rec-"));
    const out: unknown[] = [];
    const err = await runMain(sumFlow([["a", 1]], out), { recovery: new RecoveryConfig(dir) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NoPartitionsError);
    expect((err as Error).message).toContain("has no partitions; run `sluice recovery init");
    expect(out).toEqual([]);
    const missing = join(dir, "nope");
    await expect(runMain(sumFlow([], []), { recovery: new RecoveryConfig(missing) })).rejects.toThrow(NoPartitionsError);
  });

  it("fails with MissingPartitionsError naming the missing partitions", async () => {
    const dir = freshDir(3);
    rmSync(join(dir, "part-1.sqlite3"));
    const out: unknown[] = [];
    const err = await runMain(sumFlow([["a", 1]], out), { recovery: new RecoveryConfig(dir) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MissingPartitionsError);
    expect((err as Error).message).toContain("missing partitions 1 of 3");
    expect(out).toEqual([]);
  });

  it("fails with InconsistentPartitionsError for partitions of another directory", async () => {
    const a = freshDir(2);
    const b = freshDir(2);
    copyFileSync(join(b, "part-1.sqlite3"), join(a, "part-1.sqlite3"));
    const err = await runMain(sumFlow([["a", 1]], []), { recovery: new RecoveryConfig(a) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InconsistentPartitionsError);
    expect((err as Error).message).toContain("mixes partitions of different recovery directories");
  });

  it("rejects a bad recovery config", () => {
    expect(() => new RecoveryConfig("x", { backupInterval: -1 })).toThrow(BuildError);
    mkdirSync(join(tmpdir(), "sluice-unused"), { recursive: true });
  });
});

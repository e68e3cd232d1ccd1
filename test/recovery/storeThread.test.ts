/**
 * The store thread: a worker thread that owns the partitions' connections
 * during a run and commits each epoch there. It writes the same rows and
 * checksums as the synchronous commit path, commits in order, and fails a
 * run with the error the synchronous path throws (class, message, fields),
 * committing nothing after a failed epoch.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { Dataflow, PartitionFileError, RecoveryConfig, initDbDir } from "../../src/index.js";
import { TestingSink, TestingSource } from "../../src/testing/index.js";
import { runFlow } from "../../src/run/runMain.js";
import { RecoveryStore, type SnapshotWrite } from "../../src/recovery/store.js";
import { StoreThread } from "../../src/recovery/storeThread.js";
import { packEpoch, unpackEpoch } from "../../src/recovery/packedEpoch.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function freshDir(partitions: number): string {
  const dir = mkdtempSync(join(tmpdir(), "sluice-store-thread-"));
  dirs.push(dir);
  initDbDir(dir, partitions);
  return dir;
}

/** Every row of every table a commit writes, in a fixed order. */
function tables(dir: string, partitions: number): unknown[] {
  const out: unknown[] = [];
  for (let i = 0; i < partitions; i++) {
    const db = new Database(join(dir, `part-${i}.sqlite3`), { readonly: true });
    try {
      out.push(
        db.prepare("SELECT step_id, state_key, snap_epoch, ser_change, crc FROM snaps ORDER BY step_id, state_key, snap_epoch").all(),
        db.prepare("SELECT commit_epoch, committed_at, gc_epoch, crc FROM commits ORDER BY commit_epoch").all(),
        db.prepare("SELECT ex_num, worker_index, worker_frontier, crc FROM fronts ORDER BY ex_num, worker_index").all(),
      );
    } finally {
      db.close();
    }
  }
  return out;
}

/** Epoch `e`'s writes: keys of two steps, some discarded, one with an empty state. */
function epochWrites(e: number): SnapshotWrite[] {
  const writes: SnapshotWrite[] = [];
  for (let k = 0; k < 300; k++) {
    const step = k % 3 === 0 ? "f.other" : "f.sum";
    const bytes = (k + e) % 7 === 0 ? null : k % 11 === 0 ? new Uint8Array(0) : new TextEncoder().encode(`{"k":${k},"e":${e}}`);
    writes.push({ stepId: step, stateKey: `key${k}`, bytes });
  }
  return writes;
}

describe("the store thread", () => {
  it("packs an epoch's rows into buffers and unpacks the same rows", () => {
    const writes = epochWrites(3);
    const packed = packEpoch(3, 1234, writes);
    expect(packed.steps).toEqual(["f.other", "f.sum"]);
    expect(packed.data.byteOffset).toBe(0);
    const back = unpackEpoch(packed);
    expect(back.map((w) => [w.stepId, w.stateKey, w.bytes === null ? null : [...w.bytes]])).toEqual(
      writes.map((w) => [w.stepId, w.stateKey, w.bytes === null ? null : [...w.bytes]]),
    );
    expect(back.filter((w) => w.bytes !== null && w.bytes.length === 0).length).toBeGreaterThan(0);
  });

  it("writes the same rows and checksums as the synchronous commit path, epoch after epoch, collecting alike", async () => {
    for (const partitions of [1, 3]) {
      const sync = freshDir(partitions);
      const threaded = freshDir(partitions);
      const a = RecoveryStore.open(new RecoveryConfig(sync), 2);
      const b = RecoveryStore.open(new RecoveryConfig(threaded), 2);
      const thread = StoreThread.start(b);
      // Commit times 600 ms apart: garbage collection (at most once a second) runs on some commits, not others.
      const commits: Promise<void>[] = [];
      for (let e = 1; e <= 8; e++) {
        a.commit(e, epochWrites(e), e * 600);
        commits.push(thread.commit(e, epochWrites(e), e * 600));
      }
      await Promise.all(commits);
      await thread.close();
      a.close();
      b.close();
      const rows = tables(sync, partitions);
      expect((rows[0] as unknown[]).length).toBeGreaterThan(0);
      expect(tables(threaded, partitions)).toEqual(rows);
    }
  });

  it("resolves each commit only once it is durable, in order", async () => {
    const dir = freshDir(1);
    const store = RecoveryStore.open(new RecoveryConfig(dir), 1);
    const thread = StoreThread.start(store);
    const resolved: number[] = [];
    const all = [1, 2, 3, 4].map((e) =>
      thread.commit(e, epochWrites(e), e).then(() => {
        // Another connection sees the epoch committed when its Promise resolves.
        const db = new Database(join(dir, "part-0.sqlite3"), { readonly: true });
        try {
          const last = (db.prepare("SELECT MAX(commit_epoch) AS e FROM commits").get() as { e: number }).e;
          expect(last).toBeGreaterThanOrEqual(e);
        } finally {
          db.close();
        }
        resolved.push(e);
      }),
    );
    await Promise.all(all);
    await thread.close();
    store.close();
    expect(resolved).toEqual([1, 2, 3, 4]);
  });

  it(
    "fails a run with the synchronous path's error when a commit fails (a partition locked by another process), " +
      "commits nothing after it, and the next run resumes from the last commit",
    async () => {
      const dir = freshDir(1);
      const file = join(dir, "part-0.sqlite3");
      const items: [string, number][] = Array.from({ length: 6 }, (_, i) => ["a", i + 1]);
      const build = (out: unknown[]): Dataflow => {
        const flow = new Dataflow("sums");
        flow
          .input("in", new TestingSource(items, 2))
          .statefulMap("sum", (s: number | undefined, v: number) => [(s ?? 0) + v, (s ?? 0) + v] as const)
          .output("out", new TestingSink(out));
        return flow;
      };
      // Once epoch 1 is durable, another process's connection holds the write lock until the run ended.
      const locker = new Database(file);
      let locked = false;
      const out: unknown[] = [];
      const err = await runFlow(build(out), {
        epochInterval: 0,
        recovery: new RecoveryConfig(dir),
        onEpochClose: (epoch) => {
          if (epoch === 1 && !locked) {
            locker.exec("BEGIN EXCLUSIVE");
            locked = true;
          }
        },
      }).then(
        () => new Error("the run did not fail"),
        (e: unknown) => e,
      );
      locker.exec("ROLLBACK");
      locker.close();
      expect(err).toBeInstanceOf(PartitionFileError);
      expect((err as PartitionFileError).problem).toBe("locked");
      expect((err as PartitionFileError).file).toBe(file);
      expect((err as Error).message).toBe(
        `recovery partition file ${file} is locked by another process (SQLite: database is locked): only one run at a time may use a recovery directory`,
      );
      const db = new Database(file, { readonly: true });
      const lastCommit = (db.prepare("SELECT MAX(commit_epoch) AS e FROM commits").get() as { e: number }).e;
      db.close();
      expect(lastCommit).toBe(1);
      // The next run resumes after epoch 1 (items 1 and 2): the sums go on from 3.
      const again: unknown[] = [];
      expect(await runFlow(build(again), { epochInterval: 0, recovery: new RecoveryConfig(dir) })).toBe("eof");
      expect(again).toEqual([6, 10, 15, 21].map((s) => ["a", s]));
    },
    30_000,
  );
});

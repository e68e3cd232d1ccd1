/**
 * The recovery store's commit path on real partition files: no statement
 * scans the snapshots table (their query plans say so), and garbage
 * collection, which reaches only the rows written since the last collection,
 * still deletes exactly what was superseded at an epoch committed long
 * enough ago, across collections and across executions.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { RecoveryConfig, initDbDir } from "../../src/index.js";
import { COMMIT_SQL, RecoveryStore } from "../../src/recovery/store.js";
import { openPartition } from "../../src/recovery/schema.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function freshDir(partitions: number): string {
  const dir = mkdtempSync(join(tmpdir(), "sluice-store-"));
  dirs.push(dir);
  initDbDir(dir, partitions);
  return dir;
}

const bytes = (n: number): Uint8Array => new Uint8Array([n]);

/** Every snapshot row of partition 0: `key@epoch` (a discard: `key@epoch-`). */
function rows(dir: string): string[] {
  const db = new Database(join(dir, "part-0.sqlite3"), { readonly: true });
  try {
    return (db.prepare("SELECT state_key AS k, snap_epoch AS e, ser_change AS b FROM snaps ORDER BY state_key, snap_epoch").all() as {
      k: string;
      e: number;
      b: Buffer | null;
    }[]).map((r) => `${r.k}@${r.e}${r.b === null ? "-" : ""}`);
  } finally {
    db.close();
  }
}

describe("the commit path", () => {
  it("never scans the snapshots table: every statement's plan is an index search", () => {
    const dir = freshDir(1);
    const db = openPartition(join(dir, "part-0.sqlite3"), { create: false });
    try {
      for (const [name, sql] of Object.entries(COMMIT_SQL)) {
        const plan = db.prepare(`EXPLAIN QUERY PLAN ${sql}`);
        const params = sql.includes("@lo") ? [{ lo: 1, hi: 2 }] : sql.includes("@f") ? [{ f: 1, ex: 1 }] : sql.includes("VALUES") ? [1, 2, 3, 4] : [1];
        const details = (plan.all(...params) as { detail: string }[]).map((r) => r.detail);
        // A plain INSERT has no plan rows; every other statement reads through an index.
        if (!sql.startsWith("INSERT")) expect(details.length, name).toBeGreaterThan(0);
        // "SCAN newest" walks the window's keys a subquery found through the index; no plan may scan the table itself.
        for (const d of details) expect(d, `${name}: ${details.join(" | ")}`).not.toMatch(/^SCAN (snaps|older|newer|fronts|commits)\b/);
        if (name === "collectSuperseded") expect(details).toContain("SEARCH snaps USING INDEX snaps_by_epoch (snap_epoch>? AND snap_epoch<?)");
      }
    } finally {
      db.close();
    }
  });

  it("collects what was superseded, window after window, and keeps the newest row of every key", () => {
    const dir = freshDir(1);
    const store = RecoveryStore.open(new RecoveryConfig(dir), 1);
    const w = (stateKey: string, b: Uint8Array | null) => ({ stepId: "f.s", stateKey, bytes: b });
    // A collection runs at most once a second of the run's clock, up to the previous epoch.
    store.commit(1, [w("a", bytes(1)), w("b", bytes(1)), w("c", bytes(1))], 0);
    store.commit(2, [w("a", bytes(2)), w("c", null)], 10);
    expect(rows(dir)).toEqual(["a@1", "a@2", "b@1", "c@1", "c@2-"]);
    store.commit(3, [w("a", bytes(3))], 2_000); // collects up to epoch 2
    expect(rows(dir)).toEqual(["a@2", "a@3", "b@1"]);
    store.commit(4, [w("a", bytes(4)), w("d", bytes(4))], 2_500); // too soon: nothing collected
    expect(rows(dir)).toEqual(["a@2", "a@3", "a@4", "b@1", "d@4"]);
    store.commit(5, [w("b", bytes(5))], 4_000); // collects (2, 4]
    expect(rows(dir)).toEqual(["a@4", "b@1", "b@5", "d@4"]);
    store.close();

    // A new execution resumes from the newest row of each key, and collects the window its predecessor left.
    const again = RecoveryStore.open(new RecoveryConfig(dir), 1);
    expect(again.resumeEpoch).toBe(6);
    expect([...again.loadStates().get("f.s")!].map(([k, b]) => `${k}=${b[0]}`)).toEqual(["a=4", "b=5", "d=4"]);
    again.commit(6, [w("d", null)], 10_000);
    again.commit(7, [], 12_000); // collects (4, 6]
    expect(rows(dir)).toEqual(["a@4", "b@5"]);
    again.close();
  });

  it("keeps superseded rows for the backup interval", () => {
    const dir = freshDir(1);
    const store = RecoveryStore.open(new RecoveryConfig(dir, { backupInterval: 10_000 }), 1);
    const w = (b: number) => [{ stepId: "f.s", stateKey: "a", bytes: bytes(b) }];
    store.commit(1, w(1), 0);
    store.commit(2, w(2), 5_000);
    store.commit(3, w(3), 9_000);
    expect(rows(dir)).toEqual(["a@1", "a@2", "a@3"]);
    store.commit(4, w(4), 15_500); // epochs committed 10 s ago or more: 1 and 2, so a@1, superseded at 2, goes
    expect(rows(dir)).toEqual(["a@2", "a@3", "a@4"]);
    store.commit(5, w(5), 20_000); // now epoch 3 too (committed at 9 s): a@2 goes; a@3 was superseded at 4, 5.5 s ago
    expect(rows(dir)).toEqual(["a@3", "a@4", "a@5"]);
    store.close();
  });
});

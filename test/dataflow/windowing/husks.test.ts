/**
 * No key husks: a key whose windows have all closed holds no state, no
 * timer, and nothing in the snapshots or the recovery store (Bytewax's
 * session windower keeps a remnant per key forever: bytewax/bytewax#577).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { Dataflow, RecoveryConfig, initDbDir, type KeyedStream } from "../../../src/index.js";
import * as win from "../../../src/dataflow/windowing/index.js";
import { TestingSink, TestingSource, VirtualClock } from "../../../src/testing/index.js";
import { runFlow } from "../../../src/run/runMain.js";
import { afterAdvance, T_START } from "../../support/virtualTime.js";

interface Hit {
  readonly at: number;
  readonly n: number;
}

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** What each epoch's snapshot held for the keys `k…`: live states and discards. */
interface EpochKeys {
  readonly epoch: number;
  live: number;
  discarded: number;
}

/**
 * Run `keys` keys, one value each at the start of time, through `windows`
 * on a virtual clock advanced by 10 s, with a recovery directory; one more
 * key (`z`) comes 5 s later, so epochs go on after the windows closed.
 * Returns what each epoch snapshotted for the keys and what the store holds.
 */
async function runKeys(keys: number, epochInterval: number, windows: (up: KeyedStream<Hit>) => KeyedStream<unknown>) {
  const items: (readonly [string, Hit] | ReturnType<typeof TestingSource.PAUSE>)[] = [];
  for (let i = 0; i < keys; i++) items.push([`k${i}`, { at: T_START, n: i }]);
  items.push(TestingSource.PAUSE(5_000), ["z", { at: T_START + 5_000, n: 0 }]);
  const out: unknown[] = [];
  const flow = new Dataflow("husks");
  windows(flow.input("in", new TestingSource(items, 10_000))).output("out", new TestingSink(out));

  const dir = mkdtempSync(join(tmpdir(), "sluice-husks-"));
  dirs.push(dir);
  initDbDir(dir, 1);
  const epochs: EpochKeys[] = [];
  const clock = new VirtualClock(T_START);
  const run = runFlow(flow, {
    clock,
    epochInterval,
    recovery: new RecoveryConfig(dir),
    onEpochClose: (epoch, entries) => {
      const e: EpochKeys = { epoch, live: 0, discarded: 0 };
      for (const entry of entries) {
        if (!entry.stateKey.startsWith("k")) continue;
        if (entry.bytes === null) e.discarded++;
        else e.live++;
      }
      epochs.push(e);
    },
  });
  expect(await afterAdvance(clock, 10_000, run)).toBe("eof");

  // The store's newest row per key, as a resume would read it: none may hold a state of k….
  const db = new Database(join(dir, "part-0.sqlite3"), { readonly: true });
  try {
    const stored = db
      .prepare(
        `SELECT COUNT(*) AS n FROM snaps AS s WHERE s.state_key LIKE 'k%' AND s.ser_change IS NOT NULL
           AND s.snap_epoch = (SELECT MAX(snap_epoch) FROM snaps AS t WHERE t.step_id = s.step_id AND t.state_key = s.state_key)`,
      )
      .get() as { n: number };
    return { out, epochs, storedStates: stored.n };
  } finally {
    db.close();
  }
}

/** Sums `Hit.n`. */
const sum: win.Aggregation<Hit, number, number> = { initial: () => 0, update: (h, acc) => acc + h.n, combine: (a, b) => a + b, output: (_k, acc) => acc };
const eventClock = new win.EventClock((h: Hit) => new Date(h.at), 0);

describe("no key husks", () => {
  it("after a million distinct keys' session windows close, the state holds nothing for them and the next snapshot is empty of them", async () => {
    const keys = 1_000_000;
    // Sessions with a 100 ms gap close 101 ms after their value (the event clock moves with system time).
    const r = await runKeys(keys, 1_000, (up) => win.aggregateWindow("sessions", up, eventClock, new win.SessionWindower(100), sum).down);
    expect(r.out).toHaveLength(keys + 1);
    // Born and closed within the first epoch: no snapshot ever held them, not even a discard.
    expect(r.epochs.length).toBeGreaterThanOrEqual(5);
    for (const e of r.epochs) expect(e, `epoch ${e.epoch}`).toMatchObject({ live: 0, discarded: 0 });
    expect(r.storedStates).toBe(0);
  }, 120_000);

  it.each([
    ["aggregateWindow, sessions", (up: KeyedStream<Hit>) => win.aggregateWindow("w", up, eventClock, new win.SessionWindower(100), sum).down],
    ["aggregateWindow, sliding panes", (up: KeyedStream<Hit>) => win.aggregateWindow("w", up, eventClock, new win.SlidingWindower(300, 100), sum).down],
    ["foldWindow, tumbling", (up: KeyedStream<Hit>) => win.foldWindow("w", up, eventClock, new win.TumblingWindower(200), () => 0, (a, h: Hit) => a + h.n, (a, b) => a + b).down],
    ["collectWindow, system clock", (up: KeyedStream<Hit>) => win.collectWindow("w", up, new win.SystemClock(), new win.TumblingWindower(200)).down],
    ["window (general), sessions", (up: KeyedStream<Hit>) => win.window("w", up, eventClock, new win.SessionWindower(100), CountLogic).down],
  ])("%s: a key stored while its window was open is discarded once it closed, then never snapshotted again", async (name, windows) => {
    const keys = 20_000;
    // Epochs of 50 ms: the first snapshot (50 ms) has every key's open window; all closed by 301 ms.
    const r = await runKeys(keys, 50, windows);
    expect(r.out).toHaveLength(keys + (name.includes("sliding") ? 2 * keys + 2 : 0) + 1);
    expect(r.epochs[0]).toMatchObject({ live: keys, discarded: 0 });
    const discardedAt = r.epochs.findIndex((e) => e.discarded > 0);
    expect(r.epochs.reduce((n, e) => n + e.discarded, 0)).toBe(keys);
    // After the discards, nothing of the keys in any later snapshot.
    for (const e of r.epochs.slice(discardedAt + 1)) expect(e, `epoch ${e.epoch}`).toMatchObject({ live: 0, discarded: 0 });
    expect(r.epochs.length - discardedAt).toBeGreaterThan(10);
    expect(r.storedStates).toBe(0);
  }, 60_000);
});

/** Counts a window's values. */
class CountLogic extends win.WindowLogic<Hit, number, number> {
  constructor(private n = 0) {
    super();
  }
  onValue(): number[] {
    this.n++;
    return [];
  }
  onMerge(original: CountLogic): number[] {
    this.n += original.n;
    return [];
  }
  onClose(): number[] {
    return [this.n];
  }
  snapshot(): number {
    return this.n;
  }
}

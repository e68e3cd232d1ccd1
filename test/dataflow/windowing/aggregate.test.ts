import { describe, expect, it } from "vitest";
import { BuildError, Dataflow } from "../../../src/index.js";
import * as win from "../../../src/dataflow/windowing/index.js";
import { TestingSink, TestingSource } from "../../../src/testing/index.js";
import { runMain } from "../../../src/run/runMain.js";
import { T0, ev, frozenClock, metaOf, runWindow, type Ev } from "./helpers.js";

const S = 1000;

/** Sums `Ev<number>` values, counting its calls. */
function summing(): win.Aggregation<Ev<number>, number, number> & { calls: { update: number; combine: number } } {
  const calls = { update: 0, combine: 0 };
  return {
    calls,
    initial: () => 0,
    update: (e, acc) => {
      calls.update++;
      return acc + e.v;
    },
    combine: (a, b) => {
      calls.combine++;
      return a + b;
    },
    output: (_key, acc) => acc,
  };
}

const tumbling = new win.TumblingWindower(10 * S, T0);
const sliding = new win.SlidingWindower(10 * S, 5 * S, T0);
const sessions = new win.SessionWindower(5 * S);

describe("win.aggregateWindow", () => {
  it("aggregates each tumbling window; output gets the key, and undefined emits nothing but the window's meta", async () => {
    const agg: win.Aggregation<Ev<number>, number[], string> = {
      initial: () => [],
      update: (e, acc) => [...acc, e.v],
      combine: (a, b) => [...a, ...b],
      output: (key, acc) => (acc.length === 1 ? undefined : `${key}:${acc.join("+")}`),
    };
    const items = [ev("a", 1, 1), ev("b", 2, 5), ev("a", 3, 2), ev("a", 12, 4)];
    const outs = await runWindow(items, (up) => win.aggregateWindow("agg", up, frozenClock(0), tumbling, agg));
    expect(outs.down).toEqual([["a", [0, "a:1+2"]]]);
    // a's window 0 closes when 12 s comes; the others at EOF, keys in order.
    expect(metaOf(outs)).toEqual([
      ["a", 0, 0, 10, []],
      ["a", 1, 10, 20, []],
      ["b", 0, 0, 10, []],
    ]);
    expect(outs.late).toEqual([]);
  });

  it("computes sliding windows from panes: each value is folded once, and the panes of a window combined", async () => {
    // Length 10 s, offset 1 s: every value is in 10 windows.
    const windower = new win.SlidingWindower(10 * S, 1 * S, T0);
    const agg = summing();
    const items = [ev("a", 0.5, 1), ev("a", 3.5, 10), ev("a", 9.5, 100), ev("a", 12.5, 1000)];
    const outs = await runWindow(items, (up) => win.aggregateWindow("agg", up, frozenClock(0), windower, agg));
    expect(agg.calls.update).toBe(items.length);
    const sums = new Map(outs.down.map(([, [id, sum]]) => [id, sum]));
    // Window i covers [i, i + 10) s.
    expect(sums.get(-9)).toBe(1);
    expect(sums.get(0)).toBe(111);
    expect(sums.get(3)).toBe(1110);
    expect(sums.get(4)).toBe(1100);
    expect(sums.get(12)).toBe(1000);
    expect([...sums.keys()]).toEqual(Array.from({ length: 22 }, (_, i) => i - 9));
  });

  it("merges sessions with combine, earlier session first", async () => {
    const agg: win.Aggregation<Ev, string, string> = {
      initial: () => "",
      update: (e, acc) => acc + e.v,
      combine: (a, b) => a + b,
      output: (_key, acc) => acc,
    };
    const outs = await runWindow([ev("a", 0, "p"), ev("a", 10, "r"), ev("a", 5, "q"), ev("a", 30, "s")], (up) =>
      win.aggregateWindow("agg", up, frozenClock(Infinity), sessions, agg),
    );
    expect(outs.down).toEqual([
      ["a", [0, "pqr"]],
      ["a", [2, "s"]],
    ]);
    expect(metaOf(outs)).toEqual([
      ["a", 0, 0, 10, [1]],
      ["a", 2, 30, 30, []],
    ]);
  });

  it("rejects a bad aggregation or late policy with a BuildError naming the step", () => {
    const flow = new Dataflow("f");
    const up = flow.input("in", new TestingSource([ev("a", 1, 1)]));
    const bad = { initial: () => 0, update: (_v: Ev<number>, a: number) => a, combine: 1, output: () => 1 };
    expect(() => win.aggregateWindow("agg", up, frozenClock(0), tumbling, bad as never)).toThrow(
      "`aggregateWindow` step 'f.agg': aggregation.combine must be a function; got number",
    );
    expect(() => win.aggregateWindow("agg2", up, frozenClock(0), tumbling, summing(), { latePolicy: "ignore" as never })).toThrow(BuildError);
    expect(() => win.aggregateWindow("agg3", up, frozenClock(0), tumbling, summing(), { latePolicy: "ignore" as never })).toThrow(
      '`aggregateWindow` step \'f.agg3\': latePolicy must be one of "stream", "drop", "firePerMessage", "placeInOldestWindow"; got "ignore"',
    );
  });

  it("names the step and key when output throws", async () => {
    const agg = { ...summing(), output: (key: string): number => { throw new Error(`no output for ${key}`); } };
    const flow = new Dataflow("f");
    const up = flow.input("in", new TestingSource([ev("k1", 1, 1)]));
    win.aggregateWindow("agg", up, frozenClock(0), tumbling, agg).down.output("out", new TestingSink([]));
    await expect(runMain(flow)).rejects.toThrow(/step 'f.agg' for key 'k1': no output for k1/);
  });
});

/** A late policy's outputs: `down` as `[windowId, sum]`, `late` as `[windowId, value]`. */
async function policyRun(windower: win.Windower, items: readonly (readonly [string, Ev<number>])[], latePolicy: win.LatePolicy) {
  const outs = await runWindow(items, (up) => win.aggregateWindow("agg", up, frozenClock(0), windower, summing(), { latePolicy }));
  return { down: outs.down.map(([, [id, sum]]) => [id, sum]), late: outs.late.map(([, [id, e]]) => [id, e.v]) };
}

describe("late policies", () => {
  // Tumbling: window 1 [10, 20) open when the value of 3 s (window 0) comes, below the watermark (15 s).
  const tumblingItems = [ev("a", 15, 1), ev("a", 3, 10)];
  // Sliding 10 s by 5 s: windows 3 [15, 25) and 4 [20, 30) open; 12 s would have been in 1 [5, 15) and 2 [10, 20).
  const slidingItems = [ev("a", 22, 1), ev("a", 12, 10)];
  // Sessions (gap 5 s): session 0 (20 s) closed by 30 s, session 1 open; 12 s is late.
  const sessionItems = [ev("a", 20, 1), ev("a", 30, 2), ev("a", 12, 10)];

  it('"stream" sends late values to `late`, once per window they would have been in', async () => {
    expect(await policyRun(tumbling, tumblingItems, "stream")).toEqual({ down: [[1, 1]], late: [[0, 10]] });
    expect(await policyRun(sliding, slidingItems, "stream")).toEqual({ down: [[3, 1], [4, 1]], late: [[1, 10], [2, 10]] });
    expect(await policyRun(sessions, sessionItems, "stream")).toEqual({ down: [[0, 1], [1, 2]], late: [[win.LATE_SESSION_ID, 10]] });
  });

  it('"drop" drops them', async () => {
    expect(await policyRun(tumbling, tumblingItems, "drop")).toEqual({ down: [[1, 1]], late: [] });
    expect(await policyRun(sliding, slidingItems, "drop")).toEqual({ down: [[3, 1], [4, 1]], late: [] });
    expect(await policyRun(sessions, sessionItems, "drop")).toEqual({ down: [[0, 1], [1, 2]], late: [] });
  });

  it('"firePerMessage" emits each at once as a window of its own, under the ids it would have had', async () => {
    expect(await policyRun(tumbling, tumblingItems, "firePerMessage")).toEqual({ down: [[0, 10], [1, 1]], late: [] });
    expect(await policyRun(sliding, slidingItems, "firePerMessage")).toEqual({ down: [[1, 10], [2, 10], [3, 1], [4, 1]], late: [] });
    expect(await policyRun(sessions, sessionItems, "firePerMessage")).toEqual({
      down: [[0, 1], [win.LATE_SESSION_ID, 10], [1, 2]],
      late: [],
    });
  });

  it('"placeInOldestWindow" adds each to the oldest window of its key still open, and to no other', async () => {
    expect(await policyRun(tumbling, tumblingItems, "placeInOldestWindow")).toEqual({ down: [[1, 11]], late: [] });
    // Window 3 only, although its panes are shared with window 4.
    expect(await policyRun(sliding, slidingItems, "placeInOldestWindow")).toEqual({ down: [[3, 11], [4, 1]], late: [] });
    expect(await policyRun(sessions, sessionItems, "placeInOldestWindow")).toEqual({ down: [[0, 1], [1, 12]], late: [] });
    // Several open windows: the oldest (window 1, not 2) gets it.
    const two = [ev("a", 15, 1), ev("a", 25, 2), ev("a", 35, 4)];
    const withWait = await runWindow([...two, ev("a", 3, 10)], (up) =>
      win.aggregateWindow("agg", up, frozenClock(20 * S), tumbling, summing(), { latePolicy: "placeInOldestWindow" }),
    );
    expect(withWait.down.map(([, w]) => w)).toEqual([
      [1, 11],
      [2, 2],
      [3, 4],
    ]);
  });

  it("the other window operators take a late policy too, with the same meaning", async () => {
    const items = [ev("a", 15, 1), ev("a", 3, 10), ev("a", 16, 100)];
    const run = (latePolicy: win.LatePolicy) =>
      runWindow(items, (up) => win.foldWindow("f", up, frozenClock(0), tumbling, () => 0, (acc, e: Ev<number>) => acc + e.v, (a, b) => a + b, { latePolicy }));
    expect((await run("drop")).down).toEqual([["a", [1, 101]]]);
    expect((await run("firePerMessage")).down).toEqual([
      ["a", [0, 10]],
      ["a", [1, 101]],
    ]);
    expect((await run("placeInOldestWindow")).down).toEqual([["a", [1, 111]]]);
    const collected = await runWindow(items, (up) => win.collectWindow("c", up, frozenClock(0), tumbling, { latePolicy: "firePerMessage" }));
    expect(collected.down.map(([, [id, evs]]) => [id, evs.map((e) => e.v)])).toEqual([
      [0, [10]],
      [1, [1, 100]],
    ]);
    // The general window operator: a window of its own, built, given the value, and closed at once.
    const general = await runWindow(items, (up) =>
      win.window("w", up, frozenClock(0), tumbling, () => new SumLogic(), { latePolicy: "placeInOldestWindow" }),
    );
    expect(general.down).toEqual([["a", [1, 111]]]);
  });

  it("with ordered values queued and no window open yet, placeInOldestWindow fires the value on its own", async () => {
    // Wait 10 s: 100 s waits in the queue (watermark 90 s); 50 s is late, and no window is open.
    const outs = await runWindow([ev("a", 100, 1), ev("a", 50, 10)], (up) =>
      win.foldWindow("f", up, frozenClock(10 * S), tumbling, () => 0, (acc, e: Ev<number>) => acc + e.v, (a, b) => a + b, {
        latePolicy: "placeInOldestWindow",
      }),
    );
    expect(outs.down).toEqual([
      ["a", [5, 10]],
      ["a", [10, 1]],
    ]);
  });
});

class SumLogic extends win.WindowLogic<Ev<number>, number, number> {
  constructor(private sum = 0) {
    super();
  }
  onValue(e: Ev<number>): number[] {
    this.sum += e.v;
    return [];
  }
  onMerge(original: SumLogic): number[] {
    this.sum += original.sum;
    return [];
  }
  onClose(): number[] {
    return [this.sum];
  }
  snapshot(): number {
    return this.sum;
  }
}

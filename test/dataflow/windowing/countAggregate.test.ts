import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BuildError, Dataflow, RecoveryConfig, initDbDir, win, type KeyedStream } from "../../../src/index.js";
import { runFlow } from "../../../src/run/runMain.js";
import { TestingSink, TestingSource, VirtualClock } from "../../../src/testing/index.js";
import { afterAdvance, runAdvancing, T_START } from "../../support/virtualTime.js";
import { TimedCountAggregateLogic } from "../../../src/dataflow/windowing/internal/countAggregateLogic.js";
import { failKeyed, keyedFlow, runKeyed, type Item } from "../stateful/helpers.js";

/** Collects a window's values; `update` mutates its accumulator, as the contract allows. */
const list: win.Aggregation<number, number[], number[]> = {
  initial: () => [],
  update: (v, acc) => {
    acc.push(v);
    return acc;
  },
  combine: (a, b) => [...a, ...b],
  output: (_key, acc) => acc,
};

/** Sums a window's values; emits only even sums. */
const evenSums: win.Aggregation<number, number, number> = {
  initial: () => 0,
  update: (v, acc) => acc + v,
  combine: (a, b) => a + b,
  output: (_key, acc) => (acc % 2 === 0 ? acc : undefined),
};

const countAggregate = (count: number, options?: win.CountAggregateOptions) => (s: KeyedStream<number>) =>
  s.countAggregate("ca", count, list, options);

describe("win.countAggregate", () => {
  it("emits a key's window every count values, and the rest at EOF", async () => {
    const items: Item<number>[] = [["a", 1], ["a", 2], ["a", 3], ["a", 4], ["a", 5], ["a", 6], ["a", 7]];
    expect(await runKeyed(items, countAggregate(3))).toEqual([
      ["a", [1, 2, 3]],
      ["a", [4, 5, 6]],
      ["a", [7]],
    ]);
    // The same windows when values come in one batch.
    expect(await runKeyed(items, countAggregate(3), { batchSize: 7 })).toEqual([
      ["a", [1, 2, 3]],
      ["a", [4, 5, 6]],
      ["a", [7]],
    ]);
  });

  it("counts each key on its own, keys interleaved", async () => {
    const items: Item<number>[] = [["a", 1], ["b", 10], ["a", 2], ["c", 100], ["b", 20], ["a", 3], ["b", 30], ["a", 4]];
    expect(await runKeyed(items, countAggregate(2))).toEqual([
      ["a", [1, 2]],
      ["b", [10, 20]],
      ["a", [3, 4]],
      // At EOF: the open windows, keys in sorted order.
      ["b", [30]],
      ["c", [100]],
    ]);
  });

  it("a count of 1 emits every value", async () => {
    expect(await runKeyed([["a", 1], ["b", 2], ["a", 3]], countAggregate(1))).toEqual([
      ["a", [1]],
      ["b", [2]],
      ["a", [3]],
    ]);
  });

  it("emits nothing for a window whose output is undefined", async () => {
    const items: Item<number>[] = [["a", 1], ["a", 2], ["a", 3], ["a", 3], ["a", 5]];
    // Windows sum to 3 (odd: nothing), 6, then 5 at EOF (odd: nothing).
    expect(await runKeyed(items, (s) => s.countAggregate("ca", 2, evenSums))).toEqual([["a", 6]]);
  });

  it("passes the key to output", async () => {
    const keyed: win.Aggregation<number, number, string> = { ...evenSums, output: (key, acc) => `${key}:${acc}` };
    expect(await runKeyed([["a", 1], ["b", 2]], (s) => win.countAggregate("ca", s, 5, keyed))).toEqual([
      ["a", "a:1"],
      ["b", "b:2"],
    ]);
  });

  it("with timeout, emits a window that long after its first value, with no more input", async () => {
    const clock = new VirtualClock(T_START);
    const emittedAt: number[] = [];
    const out = await runKeyed(
      [["a", 1], ["b", 2], TestingSource.PAUSE(20), ["a", 3], TestingSource.PAUSE(300), ["a", 4], ["a", 5], ["a", 6]],
      (s) => countAggregate(10, { timeout: 50 })(s).inspect("when", () => void emittedAt.push(clock.now() - T_START)),
      { clock, advance: 320 },
    );
    expect(out).toEqual([
      // Due together 50 ms after their first values (a's second value at 20 ms does not move it): keys sorted.
      ["a", [1, 3]],
      ["b", [2]],
      // A new window opened at 320 ms, left for EOF.
      ["a", [4, 5, 6]],
    ]);
    expect(emittedAt).toEqual([50, 50, 320]);
  });

  it("a window whose time is up is emitted before the next values, even if its timer has not fired yet", async () => {
    // The run fires due timers before a batch; with a real clock, time can pass between the two.
    const clock = new VirtualClock(T_START);
    const logic = new TimedCountAggregateLogic(list, 10, 50, clock, undefined);
    expect(logic.onBatch([1])).toEqual([[], false]);
    expect(logic.notifyAt()).toEqual(new Date(T_START + 50));
    await clock.advance(50);
    expect(logic.onBatch([2])).toEqual([[[1]], false]);
    expect(logic.notifyAt()).toEqual(new Date(T_START + 100));
  });

  it("without timeout, never emits by time", async () => {
    const clock = new VirtualClock(T_START);
    const emittedAt: number[] = [];
    const out = await runKeyed(
      [["a", 1], TestingSource.PAUSE(60_000), ["a", 2]],
      (s) => countAggregate(3)(s).inspect("when", () => void emittedAt.push(clock.now() - T_START)),
      { clock, advance: 60_000 },
    );
    expect(out).toEqual([["a", [1, 2]]]);
    expect(emittedAt).toEqual([60_000]);
  });

  it.each([
    [0, {}, "count must be a positive integer; got 0"],
    [-2, {}, "count must be a positive integer; got -2"],
    [1.5, {}, "count must be a positive integer; got 1.5"],
    [Infinity, {}, "count must be a positive integer; got Infinity"],
    ["3", {}, "count must be a positive integer; got string"],
    [3, { timeout: 0 }, "timeout must be a positive finite number of ms; got 0"],
    [3, { timeout: -5 }, "timeout must be a positive finite number of ms; got -5"],
    [3, { timeout: Infinity }, "timeout must be a positive finite number of ms; got Infinity"],
    [3, { timeout: NaN }, "timeout must be a positive finite number of ms; got NaN"],
  ])("rejects count %j with options %j: a BuildError naming the step", (count, options, fragment) => {
    const flow = new Dataflow("f");
    const s = flow.input("in", new TestingSource<readonly [string, number]>([]));
    const build = () => s.countAggregate("ca", count as number, list, options);
    expect(build).toThrow(BuildError);
    expect(build).toThrow(`\`countAggregate\` step 'f.ca': ${fragment}`);
  });

  it("rejects an aggregation without its four methods", () => {
    const flow = new Dataflow("f");
    const s = flow.input("in", new TestingSource<readonly [string, number]>([]));
    const { output: _, ...noOutput } = list;
    expect(() => win.countAggregate("ca", s, 3, noOutput as typeof list)).toThrow(
      "`countAggregate` step 'f.ca': aggregation.output must be a function; got undefined",
    );
    // A failed step leaves its id free.
    expect(() => win.countAggregate("ca", s, 3, list)).not.toThrow();
  });

  it("an update that throws fails the run naming the step and the key", async () => {
    const failing: win.Aggregation<number, number, number> = {
      ...evenSums,
      update: (v, acc) => {
        if (v < 0) throw new Error("negative value");
        return acc + v;
      },
    };
    await failKeyed([["a", 1], ["b", -1]], (s) => s.countAggregate("ca", 3, failing), {
      stepId: "f.ca",
      key: "b",
      message: "error calling `aggregation` in step 'f.ca' for key 'b': negative value",
    });
  });

  it("an output that throws fails the run naming the step and the key", async () => {
    const failing: win.Aggregation<number, number, number> = {
      ...evenSums,
      output: () => {
        throw new Error("no output");
      },
    };
    await failKeyed([["a", 1], ["b", 2], ["b", 3]], (s) => s.countAggregate("ca", 2, failing), {
      stepId: "f.ca",
      key: "b",
      message: "error calling `output` in step 'f.ca' for key 'b': no output",
    });
  });
});

describe("win.countAggregate state", () => {
  /** Per closed epoch (one per value), `[key, state]` of the step's entries; `null` for a discarded key. */
  async function statesPerEpoch(items: Item<number>[], count: number): Promise<[string, unknown][][]> {
    const epochs: [string, unknown][][] = [];
    const clock = new VirtualClock(T_START);
    const flow = keyedFlow(items, countAggregate(count), []);
    const run = runFlow(flow, {
      epochInterval: 0,
      clock,
      onEpochClose: (_epoch, entries) => {
        const mine = entries.filter((e) => e.stepId === "f.ca.stateful_batch");
        epochs.push(mine.map((e) => [e.stateKey, e.bytes === null ? null : e.state]));
      },
    });
    expect(await afterAdvance(clock, 0, run)).toBe("eof");
    return epochs;
  }

  it("is the open window; a key whose window was emitted is discarded", async () => {
    const epochs = await statesPerEpoch([["a", 1], ["b", 10], ["a", 2], ["a", 3]], 2);
    const window = (acc: number[]) => ({ acc, n: acc.length, first: T_START });
    expect(epochs).toEqual([
      [["a", window([1])]],
      [["b", window([10])]],
      // a's window was emitted: no state left for it.
      [["a", null]],
      [["a", window([3])]],
      // EOF emits the open windows and drops their keys.
      [
        ["a", null],
        ["b", null],
      ],
    ]);
  });

  it("snapshots a copy of the accumulator, not the one update goes on mutating", async () => {
    const epochs = await statesPerEpoch([["a", 1], ["a", 2], ["a", 3]], 3);
    expect(epochs.slice(0, 2)).toEqual([[["a", { acc: [1], n: 1, first: T_START }]], [["a", { acc: [1, 2], n: 2, first: T_START }]]]);
  });
});

describe("win.countAggregate resumed with recovery", () => {
  const recoveryDir = (): string => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-count-agg-"));
    initDbDir(dir, 1);
    return dir;
  };

  it("continues each count after an abort mid-window, every value in exactly one window", async () => {
    const values: Item<number>[] = [["a", 1], ["b", 10], ["a", 2], ["a", 3], ["b", 20], ["a", 4], ["b", 30], ["a", 5], ["a", 6]];
    const uninterrupted = await runKeyed(values, countAggregate(3), { epochInterval: 0 });
    expect(uninterrupted).toEqual([
      ["a", [1, 2, 3]],
      ["b", [10, 20, 30]],
      ["a", [4, 5, 6]],
    ]);

    // Abort with a's second window and b's only window open; resume from the committed epochs.
    const dir = recoveryDir();
    const items = [...values.slice(0, 6), TestingSource.ABORT(), ...values.slice(6)];
    const first = await runKeyed(items, countAggregate(3), { epochInterval: 0, recovery: new RecoveryConfig(dir) });
    const second = await runKeyed(items, countAggregate(3), { epochInterval: 0, recovery: new RecoveryConfig(dir) });
    expect(first).toEqual([["a", [1, 2, 3]]]);
    expect([...first, ...second]).toEqual(uninterrupted);
  });

  it("keeps the first value's time: a resumed window times out from it", async () => {
    const dir = recoveryDir();
    const items: Item<number>[] = [["a", 1], TestingSource.ABORT(), TestingSource.PAUSE(10_000), ["a", 2]];
    const flow = (out: unknown[], clock: VirtualClock, emittedAt: number[]) => {
      const f = new Dataflow("f");
      countAggregate(5, { timeout: 3_000 })(f.input("in", new TestingSource(items)))
        .inspect("when", () => void emittedAt.push(clock.now() - T_START))
        .output("out", new TestingSink(out));
      return f;
    };
    const first: unknown[] = [];
    const clock1 = new VirtualClock(T_START);
    await runAdvancing(flow(first, clock1, []), { clock: clock1, epochInterval: 0, recovery: new RecoveryConfig(dir) });
    expect(first).toEqual([]);

    // Resumed 1 s later: a's window, opened at 0 s, is due at 3 s, not 3 s after the resume.
    const second: unknown[] = [];
    const emittedAt: number[] = [];
    const clock2 = new VirtualClock(T_START + 1_000);
    await runAdvancing(flow(second, clock2, emittedAt), { clock: clock2, advance: 10_000, epochInterval: 0, recovery: new RecoveryConfig(dir) });
    expect(second).toEqual([
      ["a", [1]],
      ["a", [2]],
    ]);
    expect(emittedAt).toEqual([3_000, 11_000]);
  });
});

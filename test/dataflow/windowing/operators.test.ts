import { describe, expect, it } from "vitest";
import { BuildError, Dataflow, type StepNode } from "../../../src/index.js";
import * as win from "../../../src/dataflow/windowing/index.js";
import { runMain, TestingSink, TestingSource } from "../../../src/testing/index.js";
import { T0, at, downOf, ev, frozenClock, metaOf, runWindow, vals, type Ev } from "./helpers.js";

const S = 1000;
const tumbling = new win.TumblingWindower(10 * S, T0);
const sessions = new win.SessionWindower(5 * S);
const clock = frozenClock(0);
const lazy = frozenClock(Infinity);

/** Sums values; emits a running sum on each value and the total at close. */
class SumLogic extends win.WindowLogic<Ev<number>, string, number> {
  constructor(private sum = 0) {
    super();
  }
  onValue(e: Ev<number>): Iterable<string> {
    this.sum += e.v;
    return [`+${e.v}=${this.sum}`];
  }
  onMerge(original: SumLogic): Iterable<string> {
    this.sum += original.sum;
    return [`merged=${this.sum}`];
  }
  onClose(): Iterable<string> {
    return [`total=${this.sum}`];
  }
  snapshot(): number {
    return this.sum;
  }
}

const numbers = [ev("a", 1, 1), ev("b", 2, 10), ev("a", 3, 2), ev("a", 11, 5)];

describe("win.window", () => {
  it("runs a WindowLogic per window and key", async () => {
    const outs = await runWindow(numbers, (up) => win.window("sum", up, clock, tumbling, (resume: number | undefined) => new SumLogic(resume)));
    expect(outs.down).toEqual([
      ["a", [0, "+1=1"]],
      ["b", [0, "+10=10"]],
      ["a", [0, "+2=3"]],
      ["a", [0, "total=3"]],
      ["a", [1, "+5=5"]],
      ["a", [1, "total=5"]],
      ["b", [0, "total=10"]],
    ]);
    expect(metaOf(outs)).toEqual([
      ["a", 0, 0, 10, []],
      ["a", 1, 10, 20, []],
      ["b", 0, 0, 10, []],
    ]);
  });

  it("takes the logic class as the builder: built with new SumLogic(resumeState)", async () => {
    const byClass = await runWindow(numbers, (up) => win.window("sum", up, clock, tumbling, SumLogic));
    const byFunction = await runWindow(numbers, (up) => win.window("sum", up, clock, tumbling, (resume: number | undefined) => new SumLogic(resume)));
    expect(byClass.down).toEqual(byFunction.down);
    expect(byClass.down).toContainEqual(["a", [0, "total=3"]]);
  });

  it("calls onMerge when sessions merge", async () => {
    const outs = await runWindow([ev("a", 0, 1), ev("a", 10, 2), ev("a", 5, 4)], (up) =>
      win.window("sum", up, lazy, sessions, (resume: number | undefined) => new SumLogic(resume), { ordered: false }),
    );
    expect(outs.down.map(([, [id, w]]) => `${id}:${w}`)).toEqual(["0:+1=1", "1:+2=2", "0:+4=5", "0:merged=7", "0:total=7"]);
    expect(metaOf(outs)).toEqual([["a", 0, 0, 10, [1]]]);
  });

  it("records its steps as substeps (stateful_batch, then one unwrap per output)", () => {
    const flow = new Dataflow("f");
    const up = flow.input("in", new TestingSource(numbers));
    win.collectWindow("c", up, clock, tumbling).down.output("out", new TestingSink([]));
    const ids = (node: StepNode): string[] => [node.stepId, ...node.substeps.flatMap(ids)];
    expect(ids(flow.substeps[1])).toEqual([
      "f.c",
      "f.c.fold_window",
      "f.c.fold_window.stateful_batch",
      "f.c.fold_window.unwrap_down",
      "f.c.fold_window.unwrap_late",
      "f.c.fold_window.unwrap_meta",
    ]);
    expect(flow.substeps[1].opType).toBe("collectWindow");
    expect(Object.keys(flow.substeps[1].downPorts)).toEqual(["down", "late", "meta"]);
  });

  it("rejects a bad clock, windower, builder or option with a BuildError naming the step", () => {
    const flow = new Dataflow("f");
    const up = flow.input("in", new TestingSource(numbers));
    const build = () => new SumLogic();
    expect(() => win.window("w", up, {} as win.Clock<Ev<number>>, tumbling, build)).toThrow(BuildError);
    expect(() => win.window("w", up, {} as win.Clock<Ev<number>>, tumbling, build)).toThrow(
      /`window` step 'f.w': clock must be a win.SystemClock or win.EventClock; got object/,
    );
    expect(() => win.window("w", up, clock, "10s" as unknown as win.Windower, build)).toThrow(/'f.w': windower must be/);
    expect(() => win.window("w", up, clock, tumbling, build, { ordered: "yes" as unknown as boolean })).toThrow(/ordered must be a boolean/);
    expect(() => win.window("w", up, clock, tumbling, null as unknown as typeof build)).toThrow(/builder must be a function/);
    expect(() => win.collectWindow("c", up, clock, tumbling, { into: "list" as "array" })).toThrow(
      /`collectWindow` step 'f.c': into must be "array", "set" or "map"; got list/,
    );
    expect(() => win.foldWindow("f", up, clock, tumbling, () => 0, (a) => a, 3 as unknown as (a: number) => number)).toThrow(/merger must be a function/);
    // Derived operators check at their own step, not deep inside.
    expect(() => win.collectWindow("c", up, undefined as unknown as typeof clock, tumbling)).toThrow(
      /`collectWindow` step 'f.c': clock must be a win.SystemClock or win.EventClock; got undefined/,
    );
    expect(() => win.countWindow("n", up, new win.SystemClock(), {} as win.Windower, () => "k")).toThrow(/`countWindow` step 'f.n': windower must be/);
    expect(() => win.maxWindow("m", up, clock, tumbling, undefined, { ordered: 1 as unknown as boolean })).toThrow(/`maxWindow` step 'f.m': ordered/);
    // A failed step leaves its id free.
    expect(() => win.window("w", up, clock, tumbling, build)).not.toThrow();
  });

  it("a throwing window logic fails the run with a StepError for the key", async () => {
    const flow = new Dataflow("f");
    const up = flow.input("in", new TestingSource(numbers));
    const outs = win.foldWindow("fold", up, clock, tumbling, () => 0, (acc, e) => {
      if (e.v === 2) throw new Error("bad value");
      return acc + e.v;
    }, (a, b) => a + b);
    outs.down.output("out", new TestingSink([]));
    const err = await runMain(flow).then(() => undefined, (e: unknown) => e);
    expect(err).toMatchObject({ name: "StepError", stepId: "f.fold", key: "a" });
    expect((err as Error).message).toMatch(/error calling `onBatch` in step 'f.fold' for key 'a': bad value/);
  });

  it("a builder returning something else fails with a TypeError cause", async () => {
    const flow = new Dataflow("f");
    const up = flow.input("in", new TestingSource(numbers));
    win.window("w", up, clock, tumbling, () => ({}) as SumLogic).down.output("out", new TestingSink([]));
    const err = await runMain(flow).then(() => undefined, (e: unknown) => e);
    expect(err).toMatchObject({ name: "StepError", stepId: "f.w", key: "a" });
    expect((err as Error).cause).toBeInstanceOf(TypeError);
    expect((err as Error).message).toContain("window builder must return a WindowLogic; got object");
  });
});

describe("win.collectWindow", () => {
  const items = [ev("a", 1, "x"), ev("a", 3, "y"), ev("a", 2, "x"), ev("a", 12, "z")];

  it("into an array (default), in timestamp order", async () => {
    const outs = await runWindow(items, (up) => win.collectWindow("c", up, lazy, tumbling));
    expect(downOf(outs, vals)).toEqual([
      ["a", [0, ["x", "x", "y"]]],
      ["a", [1, ["z"]]],
    ]);
  });

  it("into a set", async () => {
    const stamp = new win.EventClock((v: string) => at(v.length), Infinity);
    const items: (readonly [string, string])[] = [["a", "x"], ["a", "yy"], ["a", "x"], ["a", "zzzzzzzzzzzz"]];
    const outs = await runWindow(items, (up) => win.collectWindow("c", up, stamp, tumbling, { into: "set" }));
    expect(outs.down).toEqual([
      ["a", [0, new Set(["x", "yy"])]],
      ["a", [1, new Set(["zzzzzzzzzzzz"])]],
    ]);
  });

  it("into a map of [key, value] pairs; later pairs (by timestamp) win", async () => {
    const stamp = new win.EventClock((p: readonly [string, number]) => at(p[1]), Infinity);
    const pairs: (readonly [string, readonly [string, number]])[] = [["a", ["k1", 1]], ["a", ["k1", 3]], ["a", ["k2", 2]]];
    const outs = await runWindow(pairs, (up) => win.collectWindow("c", up, stamp, tumbling, { into: "map" }));
    expect(outs.down).toEqual([["a", [0, new Map([["k1", 3], ["k2", 2]])]]]);
    expect([...outs.down[0][1][1].keys()]).toEqual(["k1", "k2"]);
  });

  it("into a map fails on a value that is not a pair", async () => {
    const flow = new Dataflow("f");
    const up = flow.input("in", new TestingSource([["a", "oops"] as const]));
    win.collectWindow("c", up as never, new win.SystemClock(), tumbling, { into: "map" }).down.output("out", new TestingSink([]));
    const err = await runMain(flow).then(() => undefined, (e: unknown) => e);
    expect(err).toMatchObject({ name: "StepError", stepId: "f.c", key: "a" });
    expect(((err as Error).cause as Error).message).toContain('`collectWindow` into "map" in step \'f.c\' needs [key, value] values; got string');
  });

  it("merges the collections of merging sessions", async () => {
    const bridged = [ev("a", 0, "p"), ev("a", 10, "r"), ev("a", 5, "q")];
    const arrays = await runWindow(bridged, (up) => win.collectWindow("c", up, lazy, sessions, { ordered: false }));
    expect(downOf(arrays, vals)).toEqual([["a", [0, ["p", "q", "r"]]]]);
    const strings = bridged.map(([k, e]) => [k, e.v] as const);
    const stamp = new win.EventClock((v: string) => at({ p: 0, q: 5, r: 10 }[v] ?? 0), Infinity);
    const sets = await runWindow(strings, (up) => win.collectWindow("c", up, stamp, sessions, { into: "set", ordered: false }));
    expect(sets.down).toEqual([["a", [0, new Set(["p", "q", "r"])]]]);
  });
});

describe("win.foldWindow, reduceWindow, maxWindow, minWindow, countWindow", () => {
  const readings = [ev("a", 1, 3), ev("a", 2, 7), ev("a", 3, 7), ev("a", 4, 1), ev("b", 5, 4), ev("a", 12, 2)];

  it("foldWindow folds from the builder's accumulator", async () => {
    const outs = await runWindow(readings, (up) =>
      win.foldWindow("f", up, clock, tumbling, () => [] as number[], (acc, e) => [...acc, e.v], (a, b) => [...a, ...b]),
    );
    expect(outs.down).toEqual([
      ["a", [0, [3, 7, 7, 1]]],
      ["a", [1, [2]]],
      ["b", [0, [4]]],
    ]);
  });

  it("reduceWindow combines values pairwise", async () => {
    const outs = await runWindow(readings, (up) =>
      win.reduceWindow("r", up.mapValue("v", (e) => e), clock, tumbling, (a, b) => ({ t: b.t, v: a.v + b.v })),
    );
    expect(downOf(outs, (e) => e.v)).toEqual([
      ["a", [0, 18]],
      ["a", [1, 2]],
      ["b", [0, 4]],
    ]);
  });

  it("maxWindow and minWindow keep the earlier of equal values", async () => {
    const max = await runWindow(readings, (up) => win.maxWindow("max", up, clock, tumbling, (e) => e.v));
    expect(downOf(max, (e) => [e.v, e.t])).toEqual([
      ["a", [0, [7, at(2)]]],
      ["a", [1, [2, at(12)]]],
      ["b", [0, [4, at(5)]]],
    ]);
    const min = await runWindow([...readings, ev("a", 5, 1)], (up) => win.minWindow("min", up, lazy, tumbling, (e) => e.v));
    expect(downOf(min, (e) => [e.v, e.t])).toEqual([
      ["a", [0, [1, at(4)]]],
      ["a", [1, [2, at(12)]]],
      ["b", [0, [4, at(5)]]],
    ]);
  });

  it("maxWindow compares the values themselves by default", async () => {
    const stamp = new win.EventClock((n: number) => at(n), Infinity);
    const items: (readonly [string, number])[] = [["k", 4], ["k", 9], ["k", 2]];
    const outs = await runWindow(items, (up) => win.maxWindow("max", up, stamp, new win.TumblingWindower(60 * S, T0)));
    expect(outs.down).toEqual([["k", [0, 9]]]);
  });

  it("countWindow counts items by key and window", async () => {
    const words = ["apple", "avocado", "banana", "apple", "blueberry"].map((w, i) => ({ t: at(i * 4), w }));
    const out: unknown[] = [];
    const flow = new Dataflow("f");
    const up = flow.input("in", new TestingSource(words));
    const c = new win.EventClock((x: { t: Date }) => x.t, Infinity);
    win.countWindow("n", up, c, tumbling, (x) => x.w[0]).down.output("out", new TestingSink(out));
    await runMain(flow);
    // a: 0 s, 4 s, 12 s; b: 8 s, 16 s.
    expect(out).toEqual([
      ["a", [0, 2]],
      ["a", [1, 1]],
      ["b", [0, 1]],
      ["b", [1, 1]],
    ]);
  });

  it("a merged reduceWindow combines the sessions with the reducer", async () => {
    const outs = await runWindow([ev("a", 0, 1), ev("a", 10, 10), ev("a", 5, 100)], (up) =>
      win.reduceWindow("r", up, lazy, sessions, (a, b) => ({ t: b.t, v: a.v + b.v }), { ordered: false }),
    );
    expect(downOf(outs, (e) => e.v)).toEqual([["a", [0, 111]]]);
  });
});

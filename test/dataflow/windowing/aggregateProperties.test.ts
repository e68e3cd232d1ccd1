/**
 * Property tests (fast-check) of aggregations: the four laws the window
 * operators rely on, for the kinds of aggregation the guides show, and that
 * sliding windows computed from panes equal a naive fold of each window.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Dataflow } from "../../../src/index.js";
import * as win from "../../../src/dataflow/windowing/index.js";
import { TestingSink, TestingSource } from "../../../src/testing/index.js";
import { runMain } from "../../../src/run/runMain.js";
import { T0 } from "./helpers.js";

interface Item {
  readonly key: string;
  /** Ms after T0. */
  readonly at: number;
  readonly n: number;
}

type Agg<A, W> = win.Aggregation<Item, A, W>;

const sum: Agg<number, number> = {
  initial: () => 0,
  update: (x, acc) => acc + x.n,
  combine: (a, b) => a + b,
  output: (_k, acc) => acc,
};

const mean: Agg<{ count: number; total: number }, number> = {
  initial: () => ({ count: 0, total: 0 }),
  // Mutates its own accumulator, as the contract allows.
  update: (x, acc) => {
    acc.count++;
    acc.total += x.n;
    return acc;
  },
  combine: (a, b) => ({ count: a.count + b.count, total: a.total + b.total }),
  output: (_k, acc) => (acc.count === 0 ? undefined : acc.total / acc.count),
};

/** Not commutative: the values in order. */
const list: Agg<number[], number[]> = {
  initial: () => [],
  update: (x, acc) => {
    acc.push(x.n);
    return acc;
  },
  combine: (a, b) => [...a, ...b],
  output: (_k, acc) => [...acc],
};

/** The largest value, the earlier on ties (by `at`), or none. */
const max: Agg<Item | null, Item> = {
  initial: () => null,
  update: (x, acc) => (acc === null || x.n > acc.n ? x : acc),
  combine: (a, b) => (a === null ? b : b === null ? a : b.n > a.n ? b : a),
  output: (_k, acc) => acc ?? undefined,
};

const item = fc.record({ key: fc.constantFrom("a", "b", "c"), at: fc.integer({ min: -50_000, max: 50_000 }), n: fc.integer({ min: -1000, max: 1000 }) });
const items = fc.array(item, { maxLength: 40 });

/** `acc` made of `xs` with `update`, from `initial()`. */
function fold<A, W>(agg: Agg<A, W>, xs: readonly Item[]): A {
  let acc = agg.initial();
  for (const x of xs) acc = agg.update(x, acc);
  return acc;
}

/** Check the four laws of `agg` on accumulators made of random items. */
function checkLaws<A, W>(agg: Agg<A, W>): void {
  const acc = items.map((xs) => xs);
  const frozenCopy = (a: A): A => structuredClone(a);
  fc.assert(
    fc.property(acc, acc, acc, (x, y, z) => {
      const [a, b, c] = [fold(agg, x), fold(agg, y), fold(agg, z)];
      const [a0, b0, c0] = [frozenCopy(a), frozenCopy(b), frozenCopy(c)];
      // 1. combine is associative.
      expect(agg.combine(a, agg.combine(b, c))).toEqual(agg.combine(agg.combine(a, b), c));
      // 2. initial() is an identity of combine, on both sides.
      expect(agg.combine(agg.initial(), a)).toEqual(a);
      expect(agg.combine(a, agg.initial())).toEqual(a);
      // 3. combine and output never mutate their arguments.
      agg.output("k", a);
      expect([a, b, c]).toEqual([a0, b0, c0]);
      // 4. update agrees with combine: folding y after x is combining their folds.
      expect(fold(agg, [...x, ...y])).toEqual(agg.combine(fold(agg, x), fold(agg, y)));
    }),
    { numRuns: 200 },
  );
}

describe("an aggregation's four laws (associative, identity, no mutation, update agrees with combine)", () => {
  it("hold for a sum", () => checkLaws(sum));
  it("hold for a mean that mutates its own accumulator in update", () => checkLaws(mean));
  it("hold for an ordered list (not commutative)", () => checkLaws(list));
  it("hold for a max keeping the earlier of ties", () => checkLaws(max));
  it("are what a broken aggregation fails: a combine that is not associative is caught", () => {
    const broken: Agg<number, number> = { ...sum, combine: (a, b) => a - b };
    expect(() => checkLaws(broken)).toThrow(/Property failed/);
  });
});

/** Run `xs` through `aggregateWindow` on one key at a time, all at EOF (no value late): `[key, windowId, output]` sorted. */
async function panes<A, W>(agg: Agg<A, W>, windower: win.SlidingWindower, xs: readonly Item[]): Promise<[string, number, W][]> {
  const out: (readonly [string, readonly [number, W]])[] = [];
  const flow = new Dataflow("p");
  const keyed = flow.input("in", new TestingSource(xs, 7)).keyOn("key", (x) => x.key);
  const clock = new win.EventClock((x: Item) => new Date(T0.getTime() + x.at), Infinity);
  win.aggregateWindow("agg", keyed, clock, windower, agg).down.output("out", new TestingSink(out));
  await runMain(flow);
  return out.map(([k, [id, w]]): [string, number, W] => [k, id, w]).sort(byKeyAndId);
}

/** The same, naively: every window of every value, each folded in arrival order. */
function naive<A, W>(agg: Agg<A, W>, windower: win.SlidingWindower, xs: readonly Item[]): [string, number, W][] {
  const windows = new Map<string, Item[]>();
  for (const x of xs) {
    const first = Math.floor((x.at - windower.length) / windower.offset) + 1;
    const last = Math.floor(x.at / windower.offset);
    for (let id = first; id <= last; id++) {
      const k = `${x.key}\0${id}`;
      windows.set(k, [...(windows.get(k) ?? []), x]);
    }
  }
  const out: [string, number, W][] = [];
  for (const [k, inWindow] of windows) {
    const [key, id] = k.split("\0");
    const w = agg.output(key, fold(agg, inWindow));
    if (w !== undefined) out.push([key, Number(id), w]);
  }
  return out.sort(byKeyAndId);
}

function byKeyAndId(a: [string, number, unknown], b: [string, number, unknown]): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1];
}

/** Sliding windows `pane·m` long, `pane·k` apart (`k <= m`): panes of `gcd`, not always `pane`. */
const windower = fc
  .record({ pane: fc.integer({ min: 1, max: 5000 }), k: fc.integer({ min: 1, max: 6 }), extra: fc.integer({ min: 0, max: 10 }) })
  .map(({ pane, k, extra }) => new win.SlidingWindower(pane * (k + extra), pane * k, T0));

describe("sliding windows from panes", () => {
  it("equal a naive fold of each window, values in any order (commutative aggregations)", async () => {
    await fc.assert(
      fc.asyncProperty(windower, items, async (w, xs) => {
        expect(await panes(sum, w, xs)).toEqual(naive(sum, w, xs));
        expect(await panes(mean, w, xs)).toEqual(naive(mean, w, xs));
      }),
      { numRuns: 60 },
    );
  });

  it("equal a naive fold of each window, values in time order (any aggregation)", async () => {
    const inOrder = items.map((xs) => [...xs].sort((a, b) => a.at - b.at));
    await fc.assert(
      fc.asyncProperty(windower, inOrder, async (w, xs) => {
        expect(await panes(list, w, xs)).toEqual(naive(list, w, xs));
        expect(await panes(max, w, xs)).toEqual(naive(max, w, xs));
      }),
      { numRuns: 60 },
    );
  });
});

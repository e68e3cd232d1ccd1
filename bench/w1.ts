/**
 * W1, per-item overhead: integers through a chain of five identity steps
 * (map, filter, flatMap, filterMap, map) into a sink that only counts and
 * sums them (on every side, so no side can skip producing them), for source batch
 * sizes 1, 10, 100 and 1000. Sluice reads an in-memory `TestingSource` with
 * the batch size; Bytewax its `TestingSource` with the same batch size; the
 * hand-written loop calls the same five functions on the same array. A run
 * takes milliseconds, so each side runs for a second to warm up, then for
 * half a second more, and reports its mean run.
 *
 *     npm run bench -- w1 [--quick]
 */
import { runFlow } from "../dist/run/runMain.js";
import { MetricsHub } from "../dist/run/internal/metrics/hub.js";
import { Dataflow, runMain } from "../dist/index.js";
import { TestingSource } from "../dist/testing/index.js";
import { NullSink } from "./fixtures/nullSink.js";
import { QUICK, compareSides, ratioTarget, sideRows, table, timeRepeated, type BenchOutput, type Row, type Sample, type Target } from "./lib.js";

const ITEMS = QUICK ? 20_000 : 1_000_000;
const BATCHES = [1, 10, 100, 1000];

interface Params {
  items: number;
  batch: number;
}

// The user functions, shared by Sluice and the hand-written loop.
const ident = (x: number): number => x;
const keep = (x: number): boolean => x >= 0;
const once = (x: number): number[] => [x];
const some = (x: number): number | undefined => x;
const last = (x: number): number => x;

function ints(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** What both sides' sinks compute from the items (so no side can skip producing them). */
const digestOf = (count: number, sum: number): string => `${count} items, sum ${sum}`;

async function runSluice(xs: number[], batch: number, metered = false): Promise<string> {
  let sum = 0;
  const sink = new NullSink<number>((items) => {
    // Summed in a local, as the hand-written loop does: a captured \`sum\` past 2**31 is a heap
    // number, and adding to it per item would allocate per item on this side only.
    let s = 0;
    for (let i = 0; i < items.length; i++) s += items[i];
    sum += s;
  });
  const flow = new Dataflow("w1");
  flow
    .input("in", new TestingSource(xs, batch))
    .map("map", ident)
    .filter("filter", keep)
    .flatMap("flat_map", once)
    .filterMap("filter_map", some)
    .map("last", last)
    .output("out", sink);
  if (metered) await runFlow(flow, { metricsHub: meteredHub(flow.flowId) });
  else await runMain(flow);
  return digestOf(sink.count, sum);
}

/** A hub for a run that counts its metrics without serving them: what a run with `metrics` does besides answering scrapes. */
export function meteredHub(flowId: string): MetricsHub {
  return new MetricsHub({ flowId, workers: 1, recovery: false, epochInterval: 10_000 });
}

function runLimit(xs: number[]): string {
  let count = 0;
  let sum = 0;
  for (let i = 0; i < xs.length; i++) {
    const a = ident(xs[i]);
    if (!keep(a)) continue;
    const bs = once(a);
    for (let j = 0; j < bs.length; j++) {
      const c = some(bs[j]);
      if (c === undefined) continue;
      sum += last(c);
      count++;
    }
  }
  return digestOf(count, sum);
}

export const sides = {
  sluice: async ({ items, batch }: Params): Promise<Sample> => {
    const xs = ints(items);
    return timeRepeated(items, () => runSluice(xs, batch));
  },
  /** Sluice with metrics counted (`bench -- metrics`). */
  metered: async ({ items, batch }: Params): Promise<Sample> => {
    const xs = ints(items);
    return timeRepeated(items, () => runSluice(xs, batch, true));
  },
  limit: async ({ items }: Params): Promise<Sample> => {
    const xs = ints(items);
    return timeRepeated(items, () => runLimit(xs));
  },
};

export async function benchW1(): Promise<BenchOutput> {
  const rows: Row[] = [];
  const targets: Target[] = [];
  for (const batch of BATCHES) {
    const s = await compareSides("w1", { items: ITEMS, batch }, "w1");
    rows.push(...sideRows({ batch }, s));
    if (batch === 1) {
      // Issue 20's target: the fixed cost of a batch of one item through the executor.
      const ns = (s.sluice.wallMs * 1e6) / s.sluice.items;
      targets.push({ target: "W1 batch 1: Sluice <= 100 ns per item", measured: `${ns.toFixed(0)} ns/item`, met: ns <= 100 });
    }
    if (batch === 1000) {
      targets.push(ratioTarget("W1 batch 1000: Sluice >= 30% of the hand-written loop", s.limit && s.limit.wallMs / s.sluice.wallMs, 0.3, true));
      targets.push(ratioTarget("W1 batch 1000: Sluice >= 10x Bytewax", s.bytewax && s.bytewax.wallMs / s.sluice.wallMs, 10, false));
    }
  }
  return { rows, targets };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(table((await benchW1()).rows));
}

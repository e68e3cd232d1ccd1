/**
 * W4, windows: timestamped events `key;epochMs;value`, parsed, keyed, and
 * summed per key with `foldWindow` over 1-minute tumbling windows on an
 * event-time clock (no wait), for 2 and 10,000 keys. Events are in timestamp
 * order, 100 ms apart, so none is late: with 2 keys a window holds ~300
 * events per key, with 10,000 keys nearly every event is a window of its
 * own (sparse keys). Every side reads
 * the same generated file into memory before the timed run; Sluice and
 * Bytewax then read it through their `TestingSource` in batches of 1000.
 * The hand-written loop keeps one open window per key (valid for in-order
 * input only). A run takes a tenth of a second to a second, so each Node
 * side runs for a second to warm up, then reports the mean run over at
 * least one more second (one run alone swings with whether a major GC fell
 * inside it).
 *
 *     npm run bench -- w4 [--quick]
 */
import { Dataflow, minutes, runMain, win } from "../dist/index.js";
import { TestingSource } from "../dist/testing/index.js";
import { NullSink } from "./fixtures/nullSink.js";
import { EVENTS_START, events, readLines } from "./inputs.js";
import { QUICK, compareSides, ratioTarget, sideRows, table, timeRepeated, type BenchOutput, type Row, type Sample, type Target } from "./lib.js";

/** Bytewax spends ~150 µs per event with 10,000 keys: 200,000 events keep its run near 30 s. */
const EVENTS = QUICK ? 20_000 : Number(process.env.BENCH_W4_EVENTS ?? 200_000);
const KEYS = [2, 10_000];
const WINDOW = minutes(1);
/** Event-time gap between consecutive events: 10 events per second of event time. */
const GAP_MS = 100;
/**
 * How long the event clock waits for late events: none, as events are in
 * order and a key's next event is at least 100 ms (of event time) later, far
 * more than any side takes (in system time) between two batches.
 */
const WAIT_MS = 0;

interface Params {
  path: string;
  batch: number;
  waitMs: number;
}

interface Event {
  key: string;
  at: Date;
  value: number;
}

// The user functions, shared by Sluice and the hand-written loop.
const parse = (line: string): Event => {
  const a = line.indexOf(";");
  const b = line.indexOf(";", a + 1);
  return { key: line.slice(0, a), at: new Date(Number(line.slice(a + 1, b))), value: Number(line.slice(b + 1)) };
};
const keyOf = (e: Event): string => e.key;
const tsOf = (e: Event): Date => e.at;
const zero = (): number => 0;
const add = (acc: number, e: Event): number => acc + e.value;
const merge = (a: number, b: number): number => a + b;

const digestOf = (windows: number, sum: number): string => `${windows} windows, sum ${sum}`;

async function runSluice(lines: string[], batch: number, waitMs: number): Promise<string> {
  let sum = 0;
  const sink = new NullSink<readonly [string, readonly [number, number]]>((items) => {
    for (let i = 0; i < items.length; i++) sum += items[i][1][1];
  });
  const flow = new Dataflow("w4");
  const keyed = flow.input("in", new TestingSource(lines, batch)).map("parse", parse).keyOn("key", keyOf);
  const clock = new win.EventClock(tsOf, waitMs);
  const windower = new win.TumblingWindower(WINDOW, new Date(EVENTS_START));
  win.foldWindow("sum", keyed, clock, windower, zero, add, merge).down.output("out", sink);
  await runMain(flow);
  return digestOf(sink.count, sum);
}

function runLimit(lines: string[]): string {
  const open = new Map<string, { id: number; acc: number }>();
  let windows = 0;
  let sum = 0;
  for (let i = 0; i < lines.length; i++) {
    const e = parse(lines[i]);
    const k = keyOf(e);
    const id = Math.floor((tsOf(e).getTime() - EVENTS_START) / WINDOW);
    const w = open.get(k);
    if (w === undefined) {
      open.set(k, { id, acc: add(zero(), e) });
    } else if (w.id === id) {
      w.acc = add(w.acc, e);
    } else {
      windows++;
      sum += w.acc;
      w.id = id;
      w.acc = add(zero(), e);
    }
  }
  for (const w of open.values()) {
    windows++;
    sum += w.acc;
  }
  return digestOf(windows, sum);
}

export const sides = {
  sluice: async ({ path, batch, waitMs }: Params): Promise<Sample> => {
    const lines = readLines(path);
    return timeRepeated(lines.length, () => runSluice(lines, batch, waitMs), 1000, 1000, 1);
  },
  limit: async ({ path }: Params): Promise<Sample> => {
    const lines = readLines(path);
    return timeRepeated(lines.length, () => runLimit(lines), 1000, 1000, 1);
  },
};

export async function benchW4(): Promise<BenchOutput> {
  const rows: Row[] = [];
  const targets: Target[] = [];
  for (const keys of KEYS) {
    const path = events(EVENTS, keys, GAP_MS);
    const s = await compareSides("w4", { path, batch: 1000, waitMs: WAIT_MS }, "w4");
    rows.push(...sideRows({ keys }, s));
    targets.push(ratioTarget(`W4 ${keys} keys: Sluice >= 5x Bytewax`, s.bytewax && s.bytewax.wallMs / s.sluice.wallMs, 5, false));
  }
  return { rows, targets, notes: [`W4: ${EVENTS} events (BENCH_W4_EVENTS; the issue's 1,000,000 would take Bytewax ~150 s per run with 10,000 keys)`] };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(table((await benchW4()).rows));
}

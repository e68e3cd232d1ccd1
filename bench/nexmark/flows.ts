/**
 * The Nexmark queries as Sluice flows (the built package, one worker):
 * `NexmarkSource` generates the events (as Nexmark's own source does inside
 * the Flink job), each query reads the bids and writes its rows to a sink
 * that folds them into a {@link Digest}; windowed queries send late items
 * to a sink that counts them (none are expected).
 *
 * Windows run on event time (`dateTime`) with an `EventClock` waiting 10 s:
 * the generator's time is in order, but a key's watermark also advances
 * with the system time elapsed since its latest item, so without a wait a
 * pause (a GC, a snapshot) between two of a key's items could make the
 * second late. 10 s of event time is more than any pause here.
 *
 * q5 and q7 are global windows (Nexmark's SQL groups by window only): their
 * bids are keyed to one key, `"all"`, whose watermark then moves with the
 * whole stream (as Flink's watermark does). q11's sessions are per bidder.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Dataflow, FixedPartitionedSource, RecoveryConfig, StatefulSourcePartition, initDbDir, runMain, win, type KeyedStream } from "../../dist/index.js";
import { NullSink } from "../fixtures/nullSink.js";
import { isBid, type Bid, type NexmarkEvent, type NexmarkGenerator } from "./generator.js";
import {
  Digest,
  SLIDE_MS,
  WINDOW_MS,
  digestQ0,
  digestQ1,
  digestQ11,
  digestQ2,
  digestQ5,
  digestQ7,
  hottest,
  q0Project,
  q1Convert,
  q2Project,
  q2Select,
  type Q11Row,
  type Q5Row,
  type Query,
} from "./queries.js";

/** Events per source batch. */
export const BATCH = 1000;
/** How long the event clocks wait for out-of-order items (event time). */
export const WAIT_MS = 10_000;

/** Events `0 … events−1` of a generator, in batches; resumes at the next event number. */
export class NexmarkSource extends FixedPartitionedSource<NexmarkEvent, number> {
  constructor(
    private readonly generator: NexmarkGenerator,
    private readonly events: number,
    private readonly batchSize = BATCH,
  ) {
    super();
  }

  listParts(): string[] {
    return ["nexmark"];
  }

  buildPart(_stepId: string, _part: string, resume: number | undefined): StatefulSourcePartition<NexmarkEvent, number> {
    return new NexmarkPartition(this.generator, resume ?? 0, this.events, this.batchSize);
  }
}

class NexmarkPartition extends StatefulSourcePartition<NexmarkEvent, number> {
  constructor(
    private readonly generator: NexmarkGenerator,
    private next: number,
    private readonly end: number,
    private readonly batchSize: number,
  ) {
    super();
  }

  nextBatch(): NexmarkEvent[] | null {
    if (this.next >= this.end) return null;
    const n = Math.min(this.batchSize, this.end - this.next);
    const batch = new Array<NexmarkEvent>(n);
    for (let i = 0; i < n; i++) batch[i] = this.generator.event(this.next + i);
    this.next += n;
    return batch;
  }

  snapshot(): number {
    return this.next;
  }
}

const bidTime = (b: Bid): Date => b.dateTime;
const clock = (): win.EventClock<Bid> => new win.EventClock(bidTime, WAIT_MS);
const toAll = (): string => "all";

/** q5's accumulator: bids per auction. */
const hotItems: win.Aggregation<Bid, Map<number, number>, Map<number, number>> = {
  initial: () => new Map(),
  update: (b, acc) => acc.set(b.auction, (acc.get(b.auction) ?? 0) + 1),
  combine: (a, b) => {
    const m = new Map(a);
    for (const [k, v] of b) m.set(k, (m.get(k) ?? 0) + v);
    return m;
  },
  output: (_key, acc) => acc,
};

/** q7's accumulator: the highest price and the bids at it. */
interface Highest {
  price: number;
  bids: Bid[];
}
const highestBid: win.Aggregation<Bid, Highest, Bid[]> = {
  initial: () => ({ price: -1, bids: [] }),
  update: (b, acc) => {
    if (b.price > acc.price) {
      acc.price = b.price;
      acc.bids = [b];
    } else if (b.price === acc.price) {
      acc.bids.push(b);
    }
    return acc;
  },
  combine: (a, b) => {
    if (a.price === b.price) return { price: a.price, bids: [...a.bids, ...b.bids] };
    const w = a.price > b.price ? a : b;
    return { price: w.price, bids: w.bids.slice() };
  },
  output: (_key, acc) => (acc.bids.length === 0 ? undefined : acc.bids),
};

/** q11's accumulator: a session's bids, first and last bid time. */
interface Session {
  count: number;
  first: number;
  last: number;
}
const sessionCount: win.Aggregation<Bid, Session, Session> = {
  initial: () => ({ count: 0, first: Infinity, last: -Infinity }),
  update: (b, acc) => {
    const ts = b.dateTime.getTime();
    acc.count++;
    if (ts < acc.first) acc.first = ts;
    if (ts > acc.last) acc.last = ts;
    return acc;
  },
  combine: (a, b) => ({ count: a.count + b.count, first: Math.min(a.first, b.first), last: Math.max(a.last, b.last) }),
  output: (_key, acc) => acc,
};

type WindowItem<W> = readonly [string, readonly [number, W]];

/** Build `query` over `source`, its rows folded into `d`. */
function build(query: Query, source: NexmarkSource, d: Digest): Dataflow {
  const flow = new Dataflow(`nexmark_${query}`);
  const bids = flow.input("in", source).filter("bids", isBid);
  const late = <W>(stream: KeyedStream<readonly [number, W]>): void => {
    stream.output("late", new NullSink<unknown>((items) => (d.late += items.length)));
  };
  // A sink folding each row into `d` with `fold`.
  const rowsInto = <R>(fold: (d: Digest, row: R) => void): NullSink<R> =>
    new NullSink<R>((rows) => {
      for (let i = 0; i < rows.length; i++) fold(d, rows[i]);
    });
  switch (query) {
    case "q0":
      bids.map("project", q0Project).output("out", rowsInto(digestQ0));
      break;
    case "q1":
      bids.map("euros", q1Convert).output("out", rowsInto(digestQ1));
      break;
    case "q2":
      bids.filter("select", q2Select).map("project", q2Project).output("out", rowsInto(digestQ2));
      break;
    case "q5": {
      const windower = new win.SlidingWindower(WINDOW_MS, SLIDE_MS, new Date(0));
      const out = win.aggregateWindow("hot_items", bids.keyOn("all", toAll), clock(), windower, hotItems);
      out.down.output(
        "out",
        new NullSink<WindowItem<Map<number, number>>>((items) => {
          for (const [, [id, counts]] of items) {
            const row: Q5Row | undefined = hottest(id * SLIDE_MS, counts);
            if (row !== undefined) digestQ5(d, row);
          }
        }),
      );
      late(out.late);
      break;
    }
    case "q7": {
      const out = win.aggregateWindow("highest_bid", bids.keyOn("all", toAll), clock(), new win.TumblingWindower(WINDOW_MS, new Date(0)), highestBid);
      out.down.output(
        "out",
        new NullSink<WindowItem<Bid[]>>((items) => {
          for (const [, [id, best]] of items) for (const b of best) digestQ7(d, id * WINDOW_MS, b);
        }),
      );
      late(out.late);
      break;
    }
    case "q11": {
      const byBidder = bids.keyOn("bidder", (b) => String(b.bidder));
      const out = win.aggregateWindow("sessions", byBidder, clock(), new win.SessionWindower(WINDOW_MS), sessionCount);
      out.down.output(
        "out",
        new NullSink<WindowItem<Session>>((items) => {
          for (const [bidder, [, s]] of items) {
            const row: Q11Row = { bidder: Number(bidder), count: s.count, start: s.first, end: s.last + WINDOW_MS };
            digestQ11(d, row);
          }
        }),
      );
      late(out.late);
      break;
    }
  }
  return flow;
}

/** Options of {@link runQuery}. */
export interface RunQueryOptions {
  /** Recovery on: snapshots every `epochSeconds` into a fresh recovery directory (one partition), removed after. */
  recovery?: boolean;
  /** Epoch (snapshot) interval, s. */
  epochSeconds?: number;
}

/** Run `query` on events `0 … events−1` of `generator` with Sluice; returns its digest. */
export async function runQuery(query: Query, generator: NexmarkGenerator, events: number, options: RunQueryOptions = {}): Promise<string> {
  const d = new Digest();
  const flow = build(query, new NexmarkSource(generator, events), d);
  const epochInterval = options.epochSeconds === undefined ? undefined : options.epochSeconds * 1000;
  if (options.recovery !== true) {
    await runMain(flow, { epochInterval });
  } else {
    const dir = mkdtempSync(join(tmpdir(), "sluice-bench-nexmark-"));
    try {
      initDbDir(dir, 1);
      await runMain(flow, { epochInterval, recovery: new RecoveryConfig(dir) });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return d.toString();
}

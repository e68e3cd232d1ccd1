/**
 * Nexmark queries q0, q1, q2, q5, q7 and q11 (as in nexmark-flink's SQL):
 * their output rows, the digest both sides fold their output into, and the
 * reference implementation of each (a plain loop over the generated events,
 * no framework), which is also the benchmark's "limit" side. The Sluice
 * flows are in `flows.ts`.
 */
import { isBid, type Bid, type NexmarkEvent } from "./generator.js";

/** The queries, in the order of the report. */
export const QUERIES = ["q0", "q1", "q2", "q5", "q7", "q11"] as const;
export type Query = (typeof QUERIES)[number];

/**
 * Flink 1.13's published throughput per core (events/s per core, all event
 * kinds counted), from the Nexmark repository's results: 100M events
 * generated at 10M events/s inside the job, parallelism 8 on machines of 8
 * cores, RocksDB state (incremental checkpoints), exactly-once checkpoints
 * every 3 minutes.
 */
export const FLINK_PER_CORE: Record<Query, number> = { q0: 155_000, q1: 158_000, q2: 175_000, q5: 22_100, q7: 12_300, q11: 39_700 };

/** Dollars to euros, as Nexmark's q1. */
export const EUROS_PER_DOLLAR = 0.908;
/** Window length of q5 (sliding) and q7 (tumbling), and q11's session gap: 10 s. */
export const WINDOW_MS = 10_000;
/** q5's windows open every 2 s. */
export const SLIDE_MS = 2_000;

/** q0's row: a bid passed through. */
export interface Q0Row {
  auction: number;
  bidder: number;
  price: number;
  dateTime: Date;
  extra: string;
}
/** q1's row: a bid, its price in euros. */
export type Q1Row = Q0Row;
/** q2's row: a bid for every 123rd auction. */
export interface Q2Row {
  auction: number;
  price: number;
}
/** q5's row: a sliding window (by its start, ms) and the auction(s) with the most bids in it. */
export interface Q5Row {
  start: number;
  auctions: number[];
  num: number;
}
/** q11's row: a bidder's session: its bids, first bid, and end (last bid + the gap). */
export interface Q11Row {
  bidder: number;
  count: number;
  start: number;
  end: number;
}

// The per-item functions of the stateless queries, shared by Sluice and the loop.
export const q0Project = (b: Bid): Q0Row => ({ auction: b.auction, bidder: b.bidder, price: b.price, dateTime: b.dateTime, extra: b.extra });
export const q1Convert = (b: Bid): Q1Row => ({ auction: b.auction, bidder: b.bidder, price: EUROS_PER_DOLLAR * b.price, dateTime: b.dateTime, extra: b.extra });
export const q2Select = (b: Bid): boolean => b.auction % 123 === 0;
export const q2Project = (b: Bid): Q2Row => ({ auction: b.auction, price: b.price });

/** 32-bit FNV-1a of a string's UTF-16 code units. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * What a query's output folds into, equal on both sides when they output
 * the same rows: a count, a sum (in output order: the stateless queries
 * keep the input's order on one worker), an order-independent hash of
 * every row's text (window outputs come in whatever order windows close),
 * and the late items (never expected: the check fails if any).
 */
export class Digest {
  count = 0;
  sum = 0;
  late = 0;
  #hashSum = 0;
  #hashXor = 0;

  /** Fold in a row given as text (window queries). */
  line(text: string): void {
    const h = fnv1a(text);
    this.#hashSum = (this.#hashSum + h) >>> 0;
    this.#hashXor = (this.#hashXor ^ Math.imul(h, 0x9e3779b1)) >>> 0;
    this.count++;
  }

  toString(): string {
    return `${this.count} rows, sum ${this.sum.toPrecision(15)}, hash ${this.#hashSum.toString(16)}.${this.#hashXor.toString(16)}, late ${this.late}`;
  }
}

// How each query's output rows fold into the digest, shared by both sides.
export const digestQ0 = (d: Digest, r: Q0Row): void => {
  d.count++;
  d.sum += r.auction + r.bidder + r.price + r.extra.length;
};
export const digestQ1 = (d: Digest, r: Q1Row): void => {
  d.count++;
  d.sum += r.price;
};
export const digestQ2 = (d: Digest, r: Q2Row): void => {
  d.count++;
  d.sum += r.auction + r.price;
};
export const digestQ5 = (d: Digest, r: Q5Row): void => d.line(`${r.start}:${r.auctions.join(",")}:${r.num}`);
/** q7: one line per highest bid of a window (its start, ms). */
export const digestQ7 = (d: Digest, start: number, b: Bid): void => d.line(`${start}:${b.auction}:${b.bidder}:${b.price}:${b.dateTime.getTime()}`);
export const digestQ11 = (d: Digest, r: Q11Row): void => d.line(`${r.bidder}:${r.start}:${r.end}:${r.count}`);

/** The auction(s) with the most bids in `counts` (ascending ids), or `undefined` for none. */
export function hottest(start: number, counts: Map<number, number>): Q5Row | undefined {
  let num = 0;
  let auctions: number[] = [];
  for (const [auction, n] of counts) {
    if (n > num) {
      num = n;
      auctions = [auction];
    } else if (n === num) {
      auctions.push(auction);
    }
  }
  return num === 0 ? undefined : { start, auctions: auctions.sort((a, b) => a - b), num };
}

/** The reference implementation of `query` over events `0 … n−1` of `event`: its digest. */
export function reference(query: Query, n: number, event: (i: number) => NexmarkEvent): string {
  const d = new Digest();
  const run = REFERENCES[query];
  run(d, n, event);
  return d.toString();
}

type Reference = (d: Digest, n: number, event: (i: number) => NexmarkEvent) => void;

const REFERENCES: Record<Query, Reference> = {
  q0: (d, n, event) => {
    for (let i = 0; i < n; i++) {
      const e = event(i);
      if (isBid(e)) digestQ0(d, q0Project(e));
    }
  },
  q1: (d, n, event) => {
    for (let i = 0; i < n; i++) {
      const e = event(i);
      if (isBid(e)) digestQ1(d, q1Convert(e));
    }
  },
  q2: (d, n, event) => {
    for (let i = 0; i < n; i++) {
      const e = event(i);
      if (isBid(e) && q2Select(e)) digestQ2(d, q2Project(e));
    }
  },
  // Sliding windows [k·2 s, k·2 s + 10 s): bid counts per auction per open window;
  // events come in time order, so a window is complete once a bid is past its end.
  q5: (d, n, event) => {
    const open = new Map<number, Map<number, number>>();
    const close = (k: number): void => {
      const row = hottest(k * SLIDE_MS, open.get(k)!);
      if (row !== undefined) digestQ5(d, row);
      open.delete(k);
    };
    for (let i = 0; i < n; i++) {
      const b = event(i);
      if (!isBid(b)) continue;
      const ts = b.dateTime.getTime();
      const first = Math.floor((ts - WINDOW_MS) / SLIDE_MS) + 1;
      const last = Math.floor(ts / SLIDE_MS);
      for (const k of open.keys()) if (k < first) close(k);
      for (let k = first; k <= last; k++) {
        let counts = open.get(k);
        if (counts === undefined) open.set(k, (counts = new Map()));
        counts.set(b.auction, (counts.get(b.auction) ?? 0) + 1);
      }
    }
    for (const k of open.keys()) close(k);
  },
  // Tumbling 10 s windows: the highest price so far and the bids at that price. (Nexmark's SQL
  // joins bids on `dateTime BETWEEN end - 10 s AND end`, inclusive at both ends, so a bid stamped
  // exactly at a window's end at that window's top price would be listed too; here a window lists
  // its own bids only.)
  q7: (d, n, event) => {
    let window = NaN;
    let max = -1;
    let best: Bid[] = [];
    const close = (): void => {
      for (const b of best) digestQ7(d, window * WINDOW_MS, b);
    };
    for (let i = 0; i < n; i++) {
      const b = event(i);
      if (!isBid(b)) continue;
      const k = Math.floor(b.dateTime.getTime() / WINDOW_MS);
      if (k !== window) {
        close();
        window = k;
        max = -1;
        best = [];
      }
      if (b.price > max) {
        max = b.price;
        best = [b];
      } else if (b.price === max) {
        best.push(b);
      }
    }
    close();
  },
  // Sessions per bidder: bids at most 10 s apart share one.
  q11: (d, n, event) => {
    const sessions = new Map<number, { start: number; last: number; count: number }>();
    const close = (bidder: number, s: { start: number; last: number; count: number }): void =>
      digestQ11(d, { bidder, count: s.count, start: s.start, end: s.last + WINDOW_MS });
    for (let i = 0; i < n; i++) {
      const b = event(i);
      if (!isBid(b)) continue;
      const ts = b.dateTime.getTime();
      const s = sessions.get(b.bidder);
      if (s === undefined) {
        sessions.set(b.bidder, { start: ts, last: ts, count: 1 });
      } else if (ts - s.last > WINDOW_MS) {
        close(b.bidder, s);
        s.start = s.last = ts;
        s.count = 1;
      } else {
        s.last = ts;
        s.count++;
      }
    }
    for (const [bidder, s] of sessions) close(bidder, s);
  },
};

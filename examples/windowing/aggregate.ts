/**
 * Aggregations (Wallaroo's range windows): each sensor's mean temperature over
 * the last 10 minutes, every 2 minutes, computed from 2-minute panes (each
 * reading is folded once, not into 5 windows), with late readings added to
 * the oldest window still open.
 *
 *     npx sluice run examples/windowing/aggregate.ts
 */
import { Dataflow, minutes, win } from "sluice";
import { TestingSource } from "sluice/testing";
import { StdOutSink } from "sluice/connectors/stdio";

interface Reading {
  sensor: string;
  at: Date;
  temp: number;
}

const t = (hhmm: string): Date => new Date(`2024-06-01T${hhmm}:00Z`);

const readings: Reading[] = [
  { sensor: "s1", at: t("12:01"), temp: 20 },
  { sensor: "s1", at: t("12:03"), temp: 22 },
  { sensor: "s1", at: t("12:09"), temp: 30 },
  { sensor: "s1", at: t("12:02"), temp: 99 }, // 7 minutes late: the wait is 1 minute
];

/** Mean of a window's temperatures; an empty window emits nothing. */
const mean: win.Aggregation<Reading, { n: number; sum: number }, string> = {
  initial: () => ({ n: 0, sum: 0 }),
  update: (r, acc) => ({ n: acc.n + 1, sum: acc.sum + r.temp }),
  combine: (a, b) => ({ n: a.n + b.n, sum: a.sum + b.sum }),
  output: (sensor, acc) => (acc.n === 0 ? undefined : `${sensor}: mean ${(acc.sum / acc.n).toFixed(1)} over ${acc.n}`),
};

// Window i covers [12:00 + 2i min, 12:00 + 2i min + 10 min).
const windower = new win.SlidingWindower(minutes(10), minutes(2), t("12:00"));
const clock = new win.EventClock((r: Reading) => r.at, minutes(1));

export const flow = new Dataflow("aggregate");
flow
  .input("readings", new TestingSource(readings))
  .keyOn("by_sensor", (r) => r.sensor)
  .aggregateWindow("mean_10min", clock, windower, mean, { latePolicy: "placeInOldestWindow" })
  .down.map("format", ([, [id, line]]) => `window ${id} ${line}`)
  .output("out", new StdOutSink());

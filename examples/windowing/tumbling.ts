/**
 * Tumbling windows: the average temperature of each sensor per minute, by
 * the time in each reading (event time).
 *
 *     npx sluice run examples/windowing/tumbling.ts
 *
 * Readings may arrive up to 10 s out of order; the one that comes later than
 * that is reported as late instead of being averaged.
 */
import { Dataflow, minutes, seconds, win } from "sluice";
import { TestingSource } from "sluice/testing";
import { StdOutSink } from "sluice/connectors/stdio";

interface Reading {
  sensor: string;
  at: Date;
  temp: number;
}

const t = (hhmmss: string): Date => new Date(`2024-06-01T${hhmmss}Z`);

const readings: Reading[] = [
  { sensor: "s1", at: t("12:00:05"), temp: 20 },
  { sensor: "s2", at: t("12:00:20"), temp: 30 },
  { sensor: "s1", at: t("12:00:50"), temp: 22 },
  { sensor: "s1", at: t("12:00:45"), temp: 21 }, // 5 s out of order: on time
  { sensor: "s1", at: t("12:01:30"), temp: 25 },
  { sensor: "s1", at: t("12:00:55"), temp: 99 }, // 35 s out of order: late
  { sensor: "s2", at: t("12:01:10"), temp: 32 },
];

const clock = new win.EventClock((r: Reading) => r.at, seconds(10));
// Window 0 is 12:00 to 12:01; window i starts i minutes after 12:00.
const windower = new win.TumblingWindower(minutes(1), t("12:00:00"));

export const flow = new Dataflow("tumbling");
const keyed = flow.input("readings", new TestingSource(readings)).keyOn("by_sensor", (r) => r.sensor);
const avg = win.foldWindow(
  "avg",
  keyed,
  clock,
  windower,
  () => ({ sum: 0, n: 0 }),
  (acc, r) => ({ sum: acc.sum + r.temp, n: acc.n + 1 }),
  (a, b) => ({ sum: a.sum + b.sum, n: a.n + b.n }),
);
avg.down
  .map("format", ([sensor, [id, { sum, n }]]) => `${sensor} minute ${id}: avg ${(sum / n).toFixed(1)} over ${n}`)
  .output("out", new StdOutSink());
avg.late
  .map("format_late", ([sensor, [id, r]]) => `${sensor} minute ${id}: late reading ${r.temp} at ${r.at.toISOString()}`)
  .output("late_out", new StdOutSink());

/**
 * Sliding windows: page views per page over the last 10 minutes, every
 * 5 minutes (each view counts in two windows).
 *
 *     npx sluice run examples/windowing/sliding.ts
 */
import { Dataflow, minutes, op, win } from "sluice";
import { TestingSource } from "sluice/testing";
import { StdOutSink } from "sluice/connectors/stdio";

interface View {
  page: string;
  at: Date;
}

const t = (hhmm: string): Date => new Date(`2024-06-01T${hhmm}:00Z`);

const pageViews: View[] = [
  { page: "/home", at: t("09:01") },
  { page: "/docs", at: t("09:03") },
  { page: "/home", at: t("09:04") },
  { page: "/home", at: t("09:07") },
  { page: "/docs", at: t("09:12") },
];

// Window i covers [09:00 + 5i min, 09:00 + 5i min + 10 min): window -1 is 08:55 to 09:05.
const windower = new win.SlidingWindower(minutes(10), minutes(5), t("09:00"));
const clock = new win.EventClock((v: View) => v.at, minutes(1));

export const flow = new Dataflow("sliding");
const views = flow.input("views", new TestingSource(pageViews));
const counts = win.countWindow("views_per_page", views, clock, windower, (v) => v.page);
// Pair each count with its window's metadata (both come out when the window closes).
const byWindow = <T>(kv: readonly [string, readonly [number, T]]) => [`${kv[0]} #${kv[1][0]}`, kv[1][1]] as const;
op.join("with_span", [counts.down.map("count_by_window", byWindow), counts.meta.map("meta_by_window", byWindow)])
  .map("format", ([key, [n, m]]) => `${key} ${hhmm(m.openTime)}-${hhmm(m.closeTime)}: ${n} views`)
  .output("out", new StdOutSink());

function hhmm(d: Date): string {
  return d.toISOString().slice(11, 16);
}

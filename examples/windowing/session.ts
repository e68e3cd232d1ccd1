/**
 * Session windows: each user's visits, split where they were idle for more
 * than 5 minutes.
 *
 *     npx sluice run examples/windowing/session.ts
 *
 * Clicks arrive out of order: u1's 10:04 click bridges two sessions, which
 * merge into one (its metadata's `mergedIds` says so).
 */
import { Dataflow, minutes, win } from "sluice";
import { TestingSource } from "sluice/testing";
import { StdOutSink } from "sluice/connectors/stdio";

interface Click {
  user: string;
  page: string;
  at: Date;
}

const t = (hhmm: string): Date => new Date(`2024-06-01T${hhmm}:00Z`);

const clicks: Click[] = [
  { user: "u1", page: "/home", at: t("10:00") },
  { user: "u2", page: "/home", at: t("10:01") },
  { user: "u1", page: "/cart", at: t("10:08") },
  { user: "u1", page: "/docs", at: t("10:04") },
  { user: "u2", page: "/pricing", at: t("10:30") },
];

export const flow = new Dataflow("session");
const byUser = flow.input("clicks", new TestingSource(clicks)).keyOn("by_user", (c) => c.user);
// Unordered: the 10:08 click opens session 1 before the 10:04 click bridges it to session 0.
const sessions = win.collectWindow(
  "sessions",
  byUser,
  new win.EventClock((c: Click) => c.at, minutes(30)),
  new win.SessionWindower(minutes(5)),
  { ordered: false },
);
sessions.down
  .map("pages", ([user, [id, cs]]) => `${user} session ${id}: ${cs.map((c) => c.page).join(" ")}`)
  .output("out", new StdOutSink());
sessions.meta
  .map("spans", ([user, [id, m]]) => `${user} session ${id}: ${hhmm(m.openTime)}-${hhmm(m.closeTime)}, merged [${[...m.mergedIds]}]`)
  .output("meta_out", new StdOutSink());

function hhmm(d: Date): string {
  return d.toISOString().slice(11, 16);
}

/**
 * Windows close on time while no input arrives: real timers, short
 * durations, generous upper bounds.
 */
import { describe, expect, it } from "vitest";
import { Dataflow, type KeyedStream } from "../../../src/index.js";
import * as win from "../../../src/dataflow/windowing/index.js";
import { runMain, TestingSink, TestingSource, type TestingSourceMarker } from "../../../src/testing/index.js";
import { T0, type Ev } from "./helpers.js";

/** Emits each value as it is applied, and "closed" at close. */
class Trace extends win.WindowLogic<Ev, string, null> {
  onValue(value: Ev): Iterable<string> {
    return [value.v];
  }
  onMerge(): Iterable<string> {
    return [];
  }
  onClose(): Iterable<string> {
    return ["closed"];
  }
  snapshot(): null {
    return null;
  }
}

/** `[key, { t: T0 + ms, v }]`. */
function evMs(key: string, ms: number, v: string): readonly [string, Ev] {
  return [key, { t: new Date(T0.getTime() + ms), v }];
}

interface Emission {
  /** Wall-clock ms since the first item was read. */
  at: number;
  /** Wall-clock time (epoch ms). */
  wall: number;
  /** Items read from the source by then. */
  read: number;
  key: string;
  id: number;
  value: string;
}

/** Run `items` through `body` and log every `down` item with when it came out. */
async function timed(
  items: readonly (readonly [string, Ev] | TestingSourceMarker)[],
  body: (up: KeyedStream<Ev>) => win.WindowOut<Ev, string>,
): Promise<{ log: Emission[]; metas: win.WindowMetadata[]; firstAt: number }> {
  let read = 0;
  let firstAt = 0;
  const log: Emission[] = [];
  const metas: win.WindowMetadata[] = [];
  const flow = new Dataflow("f");
  const up = flow.input("in", new TestingSource(items)).inspect("read", () => {
    if (read++ === 0) firstAt = Date.now();
  });
  const out = body(up);
  out.down.inspect("log", (_s, [key, [id, value]]) => void log.push({ at: Date.now() - firstAt, wall: Date.now(), read, key, id, value }));
  out.down.output("out", new TestingSink([]));
  out.meta.inspect("metas", (_s, [, [, m]]) => void metas.push(m)).output("meta_log", new TestingSink([]));
  await runMain(flow);
  return { log, metas, firstAt };
}

describe("windows close on time with no input", () => {
  it("SystemClock: a window closes at its end while the source is paused", async () => {
    const { log, metas } = await timed([["k", { t: T0, v: "x" }], TestingSource.PAUSE(400), ["k", { t: T0, v: "y" }]], (up) =>
      win.window("w", up, new win.SystemClock(), new win.TumblingWindower(100, new Date(0)), () => new Trace()),
    );
    const closed = log.find((e) => e.value === "closed")!;
    // Closed before "y" was read, within a few ms of the window's end (wall time).
    expect(closed.read).toBe(1);
    expect(metas[0].closeTime.getTime() - metas[0].openTime.getTime()).toBe(100);
    const lag = closed.wall - metas[0].closeTime.getTime();
    expect(lag).toBeGreaterThanOrEqual(0);
    expect(lag).toBeLessThan(100);
  });

  it("EventClock: the watermark advances with system time, closing a window `wait` after its end", async () => {
    // x at T0 + 10 ms with a 50 ms wait: watermark T0 - 40 ms, reaching T0 + 100 ms (window 0's end) 140 ms later.
    const { log } = await timed([evMs("k", 10, "x"), TestingSource.PAUSE(500), evMs("z", 0, "later")], (up) =>
      win.window("w", up, new win.EventClock((e: Ev) => e.t, 50), new win.TumblingWindower(100, T0), () => new Trace()),
    );
    const closed = log.find((e) => e.key === "k" && e.value === "closed")!;
    expect(closed.read).toBe(1);
    expect(closed.at).toBeGreaterThanOrEqual(135);
    expect(closed.at).toBeLessThan(350);
  });

  it("EventClock, ordered: queued values are applied as the watermark passes them, then the window closes", async () => {
    // Wait 100 ms: b (T0 + 50) and a (T0 + 20) arrive together and wait; a is due after 70 ms, b after 100 ms,
    // and window 0 [T0, T0 + 100) closes after 150 ms.
    const { log } = await timed([evMs("k", 50, "b"), evMs("k", 20, "a"), TestingSource.PAUSE(500), evMs("z", 0, "later")], (up) =>
      win.window("w", up, new win.EventClock((e: Ev) => e.t, 100), new win.TumblingWindower(100, T0), () => new Trace()),
    );
    const k = log.filter((e) => e.key === "k");
    expect(k.map((e) => e.value)).toEqual(["a", "b", "closed"]);
    expect(k.every((e) => e.read === 2)).toBe(true);
    const [a, b, closed] = k.map((e) => e.at);
    expect(a).toBeGreaterThanOrEqual(65);
    expect(b).toBeGreaterThanOrEqual(95);
    expect(closed).toBeGreaterThanOrEqual(145);
    expect(closed).toBeLessThan(400);
  });

  it("SessionWindower: a session closes `gap` after its last value", async () => {
    const { log } = await timed([evMs("k", 0, "x"), evMs("k", 30, "y"), TestingSource.PAUSE(400), evMs("z", 0, "later")], (up) =>
      win.window("w", up, new win.EventClock((e: Ev) => e.t, 0), new win.SessionWindower(60), () => new Trace()),
    );
    const closed = log.find((e) => e.key === "k" && e.value === "closed")!;
    expect(closed.read).toBe(2);
    // y arrives right after x; the watermark passes y + 60 ms about 61 ms later.
    expect(closed.at).toBeGreaterThanOrEqual(55);
    expect(closed.at).toBeLessThan(300);
  });

  it("EventClock with an infinite wait: no timer, the window closes only at EOF", async () => {
    const { log } = await timed([evMs("k", 10, "x"), TestingSource.PAUSE(200), evMs("z", 0, "later")], (up) =>
      win.window("w", up, new win.EventClock((e: Ev) => e.t, Infinity), new win.TumblingWindower(100, T0), () => new Trace()),
    );
    const closed = log.find((e) => e.key === "k" && e.value === "closed")!;
    expect(closed.read).toBe(2);
    expect(closed.at).toBeGreaterThanOrEqual(195);
  });
});

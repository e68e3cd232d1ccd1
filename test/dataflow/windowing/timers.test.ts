/**
 * Windows close on time while no input arrives: on a virtual clock started
 * at `T0`, at exact instants.
 */
import { describe, expect, it } from "vitest";
import { Dataflow, type KeyedStream } from "../../../src/index.js";
import * as win from "../../../src/dataflow/windowing/index.js";
import { runMain, TestingSink, TestingSource, VirtualClock, type TestingSourceMarker } from "../../../src/testing/index.js";
import { afterAdvance } from "../../support/virtualTime.js";
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
  /** Virtual ms since the first item was read. */
  at: number;
  /** Virtual time (epoch ms). */
  wall: number;
  /** Items read from the source by then. */
  read: number;
  key: string;
  id: number;
  value: string;
}

/**
 * Run `items` through `body` on a virtual clock started at `T0`, advanced by
 * `advance` ms, and log every `down` item with when it came out.
 */
async function timed(
  items: readonly (readonly [string, Ev] | TestingSourceMarker)[],
  advance: number,
  body: (up: KeyedStream<Ev>) => win.WindowOut<Ev, string>,
): Promise<{ log: Emission[]; metas: win.WindowMetadata[]; firstAt: number }> {
  const clock = new VirtualClock(T0.getTime());
  let read = 0;
  let firstAt = 0;
  const log: Emission[] = [];
  const metas: win.WindowMetadata[] = [];
  const flow = new Dataflow("f");
  const up = flow.input("in", new TestingSource(items)).inspect("read", () => {
    if (read++ === 0) firstAt = clock.now();
  });
  const out = body(up);
  out.down.inspect("log", (_s, [key, [id, value]]) => void log.push({ at: clock.now() - firstAt, wall: clock.now(), read, key, id, value }));
  out.down.output("out", new TestingSink([]));
  out.meta.inspect("metas", (_s, [, [, m]]) => void metas.push(m)).output("meta_log", new TestingSink([]));
  await afterAdvance(clock, advance, runMain(flow, { clock }));
  expect(firstAt, "the first item is read at the start").toBe(T0.getTime());
  return { log, metas, firstAt };
}

describe("windows close on time with no input", () => {
  it("SystemClock: a window closes at its end while the source is paused", async () => {
    const { log, metas } = await timed([["k", { t: T0, v: "x" }], TestingSource.PAUSE(400), ["k", { t: T0, v: "y" }]], 400, (up) =>
      win.window("w", up, new win.SystemClock(), new win.TumblingWindower(100, new Date(0)), () => new Trace()),
    );
    const closed = log.find((e) => e.value === "closed")!;
    // Closed before "y" was read, exactly at the window's end.
    expect(closed.read).toBe(1);
    expect(metas[0].openTime).toEqual(T0);
    expect(metas[0].closeTime.getTime() - metas[0].openTime.getTime()).toBe(100);
    expect(closed.wall).toBe(metas[0].closeTime.getTime());
    expect(closed.at).toBe(100);
  });

  it("EventClock: the watermark advances with system time, closing a window `wait` after its end", async () => {
    // x at T0 + 10 ms with a 50 ms wait: watermark T0 - 40 ms, reaching T0 + 100 ms (window 0's end) 140 ms later.
    const { log } = await timed([evMs("k", 10, "x"), TestingSource.PAUSE(500), evMs("z", 0, "later")], 500, (up) =>
      win.window("w", up, new win.EventClock((e: Ev) => e.t, 50), new win.TumblingWindower(100, T0), () => new Trace()),
    );
    const closed = log.find((e) => e.key === "k" && e.value === "closed")!;
    expect(closed.read).toBe(1);
    expect(closed.at).toBe(140);
  });

  it("EventClock, ordered: queued values are applied as the watermark passes them, then the window closes", async () => {
    // Wait 100 ms: b (T0 + 50) and a (T0 + 20) arrive together and wait; a is due after 70 ms, b after 100 ms,
    // and window 0 [T0, T0 + 100) closes after 150 ms.
    const { log } = await timed([evMs("k", 50, "b"), evMs("k", 20, "a"), TestingSource.PAUSE(500), evMs("z", 0, "later")], 500, (up) =>
      win.window("w", up, new win.EventClock((e: Ev) => e.t, 100), new win.TumblingWindower(100, T0), () => new Trace()),
    );
    const k = log.filter((e) => e.key === "k");
    expect(k.map((e) => e.value)).toEqual(["a", "b", "closed"]);
    expect(k.every((e) => e.read === 2)).toBe(true);
    expect(k.map((e) => e.at)).toEqual([70, 100, 150]);
  });

  it("SessionWindower: a session closes `gap` after its last value", async () => {
    const { log } = await timed([evMs("k", 0, "x"), evMs("k", 30, "y"), TestingSource.PAUSE(400), evMs("z", 0, "later")], 400, (up) =>
      win.window("w", up, new win.EventClock((e: Ev) => e.t, 0), new win.SessionWindower(60), () => new Trace()),
    );
    const closed = log.find((e) => e.key === "k" && e.value === "closed")!;
    expect(closed.read).toBe(2);
    // x and y arrive together. A value at y + 60 ms would still join the
    // session (gaps are inclusive), so it closes once the watermark is past
    // y + 60 ms: 61 ms later.
    expect(closed.at).toBe(61);
  });

  it("EventClock with an infinite wait: no timer, the window closes only at EOF", async () => {
    const { log } = await timed([evMs("k", 10, "x"), TestingSource.PAUSE(200), evMs("z", 0, "later")], 200, (up) =>
      win.window("w", up, new win.EventClock((e: Ev) => e.t, Infinity), new win.TumblingWindower(100, T0), () => new Trace()),
    );
    const closed = log.find((e) => e.key === "k" && e.value === "closed")!;
    expect(closed.read).toBe(2);
    // At EOF, right after "later" was read at the end of the pause.
    expect(closed.at).toBe(200);
  });
});

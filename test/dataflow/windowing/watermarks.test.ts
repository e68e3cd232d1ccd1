import { describe, expect, it } from "vitest";
import { BuildError, Dataflow, seconds } from "../../../src/index.js";
import * as win from "../../../src/dataflow/windowing/index.js";
import { runMain, TestingSink, TestingSource, TimeTestingGetter, VirtualClock } from "../../../src/testing/index.js";
import { T0, at, downOf, ev, frozenClock, runWindow, vals, type Ev } from "./helpers.js";

const S = 1000;

/** A key's event clock logic over `Ev.t`, on `now`'s time. */
function eventClockLogic(wait: number, now: TimeTestingGetter) {
  return new win.EventClock((e: Ev) => e.t, wait, { nowGetter: () => now.get() }).build(undefined, new VirtualClock(0));
}

describe("EventClock watermark", () => {
  it("waits milliseconds: seconds(10) keeps a value 5 s out of order on time, a bare 10 (ms) makes it late", async () => {
    const items = [ev("a", 20, "x"), ev("a", 15, "five seconds older")];
    const tumbling = new win.TumblingWindower(seconds(10), T0);
    const inSeconds = await runWindow(items, (up) => win.collectWindow("c", up, frozenClock(seconds(10)), tumbling));
    expect(inSeconds.late).toEqual([]);
    expect(new win.EventClock((e: Ev) => e.t, seconds(10)).waitForSystemDuration).toBe(10_000);
    const inMs = await runWindow(items, (up) => win.collectWindow("c", up, frozenClock(10), tumbling));
    expect(inMs.late.map(([, [id, e]]) => [id, e.v])).toEqual([[1, "five seconds older"]]);
  });

  it("is the latest timestamp minus the wait, advanced by system time since it arrived", () => {
    const now = new TimeTestingGetter(new Date("2030-01-01T00:00:00Z"));
    const clock = eventClockLogic(10 * S, now);
    expect(clock.onNotify()).toBe(-Infinity);
    clock.beforeBatch();
    expect(clock.onItem({ t: at(100), v: "" })).toBe(at(100).getTime());
    expect(clock.watermark()).toBe(at(90).getTime());
    now.advance(3 * S);
    expect(clock.onNotify()).toBe(at(93).getTime());
  });

  it("never regresses: an older timestamp leaves it moving with system time", () => {
    const now = new TimeTestingGetter(new Date("2030-01-01T00:00:00Z"));
    const clock = eventClockLogic(10 * S, now);
    clock.beforeBatch();
    clock.onItem({ t: at(100), v: "" });
    now.advance(3 * S);
    clock.beforeBatch();
    clock.onItem({ t: at(95), v: "" }); // 85 < 93
    expect(clock.watermark()).toBe(at(93).getTime());
    now.advance(1 * S);
    expect(clock.onNotify()).toBe(at(94).getTime());
    clock.beforeBatch();
    clock.onItem({ t: at(120), v: "" });
    expect(clock.watermark()).toBe(at(110).getTime());
    // Even if the injected system time moves back.
    now.advance(-5 * S);
    expect(clock.onNotify()).toBe(at(110).getTime());
  });

  it("with an infinite wait only moves at EOF, and asks for no timer (Infinity)", () => {
    const now = new TimeTestingGetter(new Date("2030-01-01T00:00:00Z"));
    const clock = eventClockLogic(Infinity, now);
    clock.beforeBatch();
    clock.onItem({ t: at(100), v: "" });
    now.advance(1e12);
    expect(clock.onNotify()).toBe(-Infinity);
    expect(clock.toSystem(at(100).getTime())).toBe(Infinity);
    expect(clock.onEof()).toBe(Infinity);
  });

  it("jumps to the end of time at EOF without changing the snapshot (a continued run keeps it)", () => {
    const now = new TimeTestingGetter(new Date("2030-01-01T00:00:00Z"));
    const clock = eventClockLogic(0, now);
    clock.beforeBatch();
    clock.onItem({ t: at(5), v: "" });
    const before = clock.snapshot();
    expect(clock.onEof()).toBe(Infinity);
    expect(clock.snapshot()).toEqual(before);
    const resumed = new win.EventClock((e: Ev) => e.t, 0, { nowGetter: () => now.get() }).build(before, new VirtualClock(0));
    expect(resumed.onNotify()).toBe(at(5).getTime());
  });

  it("converts a watermark to the system time it is reached at", () => {
    // The run's clock: exactly by the clock's state.
    const system = new VirtualClock(T0.getTime());
    const real = new win.EventClock((e: Ev) => e.t, 10 * S).build(undefined, system);
    real.beforeBatch();
    const arrived = system.now();
    real.onItem({ t: at(100), v: "" }); // watermark 90 s at `arrived`
    expect(real.toSystem(at(95).getTime())- arrived).toBe(5 * S);
    // An injected "now": the remaining watermark distance, from the run's now.
    const now = new TimeTestingGetter(new Date("2030-01-01T00:00:00Z"));
    const fake = new win.EventClock((e: Ev) => e.t, 10 * S, { nowGetter: () => now.get() }).build(undefined, system);
    fake.beforeBatch();
    fake.onItem({ t: at(100), v: "" });
    expect(fake.toSystem(at(97).getTime())- system.now()).toBe(7 * S);
    // A given `toSystemUtc` wins.
    const given = new win.EventClock((e: Ev) => e.t, 0, { toSystemUtc: (w) => new Date(w.getTime() + 1) }).build(undefined, system);
    given.beforeBatch();
    given.onItem({ t: at(1), v: "" });
    expect(given.toSystem(at(2).getTime())).toBe(at(2).getTime() + 1);
  });

  it("rejects a bad wait or getter with a BuildError", () => {
    expect(() => new win.EventClock((e: Ev) => e.t, -1)).toThrow(BuildError);
    expect(() => new win.EventClock((e: Ev) => e.t, Number.NaN)).toThrow(/waitForSystemDuration must be a number of milliseconds >= 0 \(or Infinity\)/);
    expect(() => new win.EventClock("t" as unknown as (e: Ev) => Date, 0)).toThrow(/tsGetter must be a function/);
    expect(() => new win.EventClock((e: Ev) => e.t, 0, { nowGetter: 5 as unknown as () => Date })).toThrow(/nowGetter must be a function/);
  });
});

describe("per-key watermarks", () => {
  it("close one key's window while another key's stays open", async () => {
    // `seen` counts input items; each result records how many had been read when it came out.
    let seen = 0;
    const emitted: [number, string, number, string[]][] = [];
    const flow = new Dataflow("f");
    const up = flow
      .input("in", new TestingSource([ev("z", 1, "z1"), ev("a", 2, "a1"), ev("z", 15, "z2"), ev("a", 3, "a2")]))
      .inspect("count", () => void seen++);
    const { down, late } = win.collectWindow("c", up, frozenClock(0), new win.TumblingWindower(10 * S, T0));
    down.inspect("record", (_id, [k, [id, evs]]) => void emitted.push([seen, k, id, vals(evs)]));
    const lates: unknown[] = [];
    late.output("late", new TestingSink(lates));
    down.output("out", new TestingSink([]));
    await runMain(flow);
    expect(emitted).toEqual([
      // z's watermark reached 15 s: its window 0 closed right then...
      [3, "z", 0, ["z1"]],
      // ...while a's watermark stayed at 3 s, so a2 was on time and a's window 0 waited for EOF.
      [4, "a", 0, ["a1", "a2"]],
      [4, "z", 1, ["z2"]],
    ]);
    expect(lates).toEqual([]);
  });

  it("a wait lets out-of-order values in; system time passing closes windows and makes values late", async () => {
    const now = new TimeTestingGetter(new Date("2030-01-01T00:00:00Z"));
    const items = [ev("a", 5, "p"), ev("a", 12, "q"), ev("a", 8, "r"), ev("t", 0, "tick"), ev("a", 9, "s")];
    const outs = await runWindow(items, (up) =>
      win.collectWindow(
        "c",
        // "tick" moves system time 10 s forward before the window sees it.
        up.map("tick", (kv) => (kv[1].v === "tick" && now.advance(10 * S), kv)),
        frozenClock(5 * S, now),
        new win.TumblingWindower(10 * S, T0),
      ),
    );
    // At q the watermark is 7 s, so r (8 s) is on time. Ten seconds later it is 17 s:
    // window 0 closes on s, which is late.
    expect(downOf(outs, vals)).toEqual([
      ["a", [0, ["p", "r"]]],
      ["a", [1, ["q"]]],
      ["t", [0, ["tick"]]],
    ]);
    expect(outs.late.map(([k, [id, e]]) => [k, id, e.v])).toEqual([["a", 0, "s"]]);
  });

  it("with an infinite wait nothing is late and every window closes at EOF", async () => {
    const outs = await runWindow(
      [ev("a", 30, "p"), ev("a", 1, "q"), ev("a", 25, "r"), ev("a", -100, "s")],
      (up) => win.collectWindow("c", up, frozenClock(Infinity), new win.TumblingWindower(10 * S, T0)),
    );
    expect(downOf(outs, vals)).toEqual([
      ["a", [-10, ["s"]]],
      ["a", [0, ["q"]]],
      ["a", [2, ["r"]]],
      ["a", [3, ["p"]]],
    ]);
    expect(outs.late).toEqual([]);
  });

  it("a tsGetter that returns no valid Date fails the step, naming the key", async () => {
    const flow = new Dataflow("f");
    const up = flow.input("in", new TestingSource([["k", { t: "yesterday" }] as const]));
    const clock = new win.EventClock((e: { t: unknown }) => e.t as Date, 0);
    win.collectWindow("c", up, clock, new win.TumblingWindower(S, T0)).down.output("out", new TestingSink([]));
    const err = await runMain(flow).then(() => undefined, (e: unknown) => e);
    expect(err).toMatchObject({ name: "StepError", stepId: "f.c", key: "k" });
    expect((err as Error).message).toContain("`tsGetter` must return a Date; got string");
    expect((err as Error).cause).toBeInstanceOf(TypeError);
  });
});

import { describe, expect, it } from "vitest";
import { Dataflow } from "../../../src/index.js";
import * as win from "../../../src/dataflow/windowing/index.js";
import { runMain, TestingSink, TestingSource } from "../../../src/testing/index.js";
import { T0, downOf, ev, frozenClock, runWindow, vals, type Ev } from "./helpers.js";

const S = 1000;

/** Emits each value as it is applied, and "closed" at close. */
class Trace extends win.WindowLogic<Ev, string, null> {
  onValue(value: Ev): Iterable<string> {
    return [value.v];
  }
  onMerge(): Iterable<string> {
    return ["merged"];
  }
  onClose(): Iterable<string> {
    return ["closed"];
  }
  snapshot(): null {
    return null;
  }
}

const items = [ev("a", 5, "c"), ev("a", 1, "a"), ev("a", 3, "b"), ev("a", 3, "b2"), ev("a", 7, "d")];

describe("order within a window", () => {
  it("ordered (the default): values are applied in timestamp order, ties in arrival order", async () => {
    const outs = await runWindow(items, (up) => win.collectWindow("c", up, frozenClock(60 * S), new win.TumblingWindower(10 * S, T0)));
    expect(downOf(outs, vals)).toEqual([["a", [0, ["a", "b", "b2", "c", "d"]]]]);
  });

  it("unordered: values are applied in arrival order", async () => {
    const outs = await runWindow(items, (up) =>
      win.collectWindow("c", up, frozenClock(60 * S), new win.TumblingWindower(10 * S, T0), { ordered: false }),
    );
    expect(downOf(outs, vals)).toEqual([["a", [0, ["c", "a", "b", "b2", "d"]]]]);
  });

  it("ordered values wait for the watermark to pass them, then apply in order", async () => {
    const outs = await runWindow(
      [ev("a", 5, "c"), ev("a", 2, "a"), ev("a", 9, "e"), ev("a", 8, "d"), ev("a", 12, "f")],
      (up) => win.window("w", up, frozenClock(3 * S), new win.TumblingWindower(10 * S, T0), () => new Trace()),
    );
    // Watermarks after each value: 2, 2, 6, 6, 9 s. So a is due at once, c at 6 s, d and e at 9 s.
    // The window closes at EOF (f at 12 s is in window 1).
    expect(outs.down.map(([, [id, w]]) => `${id}:${w}`)).toEqual(["0:a", "0:c", "0:d", "0:e", "0:closed", "1:f", "1:closed"]);
  });

  it("ordered: a window ending before a queued value closes before that value is applied", async () => {
    const outs = await runWindow(
      [ev("a", 9, "x"), ev("a", 11, "y"), ev("a", 30, "z")],
      (up) => win.window("w", up, frozenClock(20 * S), new win.TumblingWindower(10 * S, T0), () => new Trace()),
    );
    // All three wait until EOF, then are applied in event-time order, closing window 0 before y.
    expect(outs.down.map(([, [id, w]]) => `${id}:${w}`)).toEqual(["0:x", "0:closed", "1:y", "1:closed", "3:z", "3:closed"]);
  });

  it("meta comes once per window, when it closes, with the window's final extent", async () => {
    let seen = 0;
    const log: string[] = [];
    const flow = new Dataflow("f");
    const up = flow.input("in", new TestingSource([ev("a", 1, "x"), ev("a", 11, "y"), ev("a", 12, "z")])).inspect("n", () => void seen++);
    const { down, meta } = win.window("w", up, frozenClock(0), new win.TumblingWindower(10 * S, T0), () => new Trace());
    down.inspect("d", (_s, [, [id, w]]) => void log.push(`${seen} down ${id}:${w}`)).output("down", new TestingSink([]));
    meta.inspect("m", (_s, [, [id, m]]) => void log.push(`${seen} meta ${id}:${m.openTime.getTime() - T0.getTime()}..${m.closeTime.getTime() - T0.getTime()}`));
    meta.output("meta", new TestingSink([]));
    await runMain(flow);
    expect(log).toEqual([
      "1 down 0:x",
      "2 down 0:closed",
      "2 down 1:y",
      "2 meta 0:0..10000",
      "3 down 1:z",
      "3 down 1:closed",
      "3 meta 1:10000..20000",
    ]);
  });
});

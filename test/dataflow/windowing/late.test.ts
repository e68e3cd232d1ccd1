import { describe, expect, it } from "vitest";
import * as win from "../../../src/dataflow/windowing/index.js";
import { T0, downOf, ev, frozenClock, runWindow, vals, type Ev, type Outs } from "./helpers.js";

const S = 1000;

/** Late items as `[key, windowId, value]`. */
function lateOf(outs: Outs<Ev, unknown>): [string, number, string][] {
  return outs.late.map(([k, [id, e]]) => [k, id, e.v]);
}

describe("late values", () => {
  it("tumbling: a value below its key's watermark goes to `late` under its window id", async () => {
    const items = [ev("a", 15, "p"), ev("a", 3, "late0"), ev("a", 15, "q"), ev("a", 9.999, "late1"), ev("a", 14.999, "late2")];
    const outs = await runWindow(items, (up) => win.collectWindow("c", up, frozenClock(0), new win.TumblingWindower(10 * S, T0)));
    expect(lateOf(outs)).toEqual([
      ["a", 0, "late0"],
      ["a", 0, "late1"],
      // Late although its window is still open: it is below the watermark.
      ["a", 1, "late2"],
    ]);
    // A value at the watermark (15 s) is on time.
    expect(downOf(outs, vals)).toEqual([["a", [1, ["p", "q"]]]]);
    // Every value is accounted for.
    const kept = outs.down.reduce((n, [, [, evs]]) => n + evs.length, 0);
    expect(kept + outs.late.length).toBe(items.length);
  });

  it("sliding: a late value is reported once for every window it would have been in", async () => {
    const outs = await runWindow([ev("a", 20, "p"), ev("a", 12, "late")], (up) =>
      win.collectWindow("c", up, frozenClock(0), new win.SlidingWindower(10 * S, 5 * S, T0)),
    );
    expect(lateOf(outs)).toEqual([
      ["a", 1, "late"],
      ["a", 2, "late"],
    ]);
  });

  it("sessions: late values are reported under LATE_SESSION_ID", async () => {
    const outs = await runWindow([ev("a", 20, "p"), ev("a", 19, "late")], (up) =>
      win.collectWindow("c", up, frozenClock(0), new win.SessionWindower(5 * S)),
    );
    expect(win.LATE_SESSION_ID).toBe(-1);
    expect(lateOf(outs)).toEqual([["a", -1, "late"]]);
    expect(downOf(outs, vals)).toEqual([["a", [0, ["p"]]]]);
  });

  it("the wait sets how late a value may be; lateness is per key", async () => {
    const items = [ev("a", 20, "p"), ev("a", 15, "edge"), ev("a", 14.999, "late"), ev("b", 1, "b")];
    const outs = await runWindow(items, (up) => win.collectWindow("c", up, frozenClock(5 * S), new win.TumblingWindower(10 * S, T0)));
    expect(lateOf(outs)).toEqual([["a", 1, "late"]]);
    expect(downOf(outs, vals)).toEqual([
      ["a", [1, ["edge"]]],
      ["a", [2, ["p"]]],
      ["b", [0, ["b"]]],
    ]);
  });

  it("every operator routes late values (countWindow's late carries the items)", async () => {
    const outs = await runWindow([ev("a", 20, "p"), ev("a", 2, "late")], (up) =>
      win.countWindow("n", up.map("unkey", ([, e]) => e), frozenClock(0), new win.TumblingWindower(10 * S, T0), () => "k"),
    );
    expect(lateOf(outs as unknown as Outs<Ev, unknown>)).toEqual([["k", 0, "late"]]);
    expect(outs.down).toEqual([["k", [2, 1]]]);
  });
});

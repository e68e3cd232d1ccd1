import { describe, expect, it } from "vitest";
import { BuildError } from "../../../src/index.js";
import * as win from "../../../src/dataflow/windowing/index.js";
import { T0, at, ev, frozenClock, metaOf, runWindow, vals, downOf } from "./helpers.js";

/** Ids of the windows `windower` puts an item stamped `ts` in. */
function idsFor(windower: win.Windower, ts: Date): number[] {
  return [...windower.build(undefined).openFor(ts.getTime())];
}

/** Straight from the definition: window `i` covers `[align + i·offset, align + i·offset + length)`. */
function bruteIds(length: number, offset: number, align: number, ts: number): number[] {
  const ids: number[] = [];
  const around = Math.floor((ts - align) / offset);
  for (let i = around - Math.ceil(length / offset) - 2; i <= around + 2; i++) {
    if (align + i * offset <= ts && ts < align + i * offset + length) ids.push(i);
  }
  return ids;
}

describe("TumblingWindower ids", () => {
  const tumbling = new win.TumblingWindower(10_000, T0);

  it.each([
    [0, [0]],
    [9.999, [0]],
    [10, [1]],
    [25, [2]],
    [-0.001, [-1]],
    [-10, [-1]],
    [-10.001, [-2]],
    [-95, [-10]],
  ])("an item at T0 + %s s is in window %j", (s, ids) => {
    expect(idsFor(tumbling, at(s))).toEqual(ids);
  });

  it("defaults alignTo to the Unix epoch", () => {
    const w = new win.TumblingWindower(60_000);
    expect(w.alignTo).toEqual(new Date(0));
    expect(idsFor(w, new Date("1970-01-01T00:02:30Z"))).toEqual([2]);
    expect(idsFor(w, new Date("1969-12-31T23:59:00Z"))).toEqual([-1]);
  });

  it("window i covers [alignTo + i·length, alignTo + (i+1)·length) in its metadata", () => {
    const logic = tumbling.build(undefined);
    logic.openFor(at(-3).getTime());
    logic.openFor(at(14).getTime());
    expect(logic.nextClose()).toBe(T0.getTime());
    const closed = logic.closeFor(Infinity).map(([id, m]) => [id, m.openTime, m.closeTime, [...m.mergedIds]]);
    expect(closed).toEqual([
      [-1, at(-10), at(0), []],
      [1, at(10), at(20), []],
    ]);
    expect(logic.isEmpty()).toBe(true);
  });
});

describe("SlidingWindower ids", () => {
  it.each([
    [10, 5, 12, [1, 2]],
    [10, 5, 10, [1, 2]],
    [10, 5, 9.999, [0, 1]],
    [10, 5, 0, [-1, 0]],
    [10, 5, -0.001, [-2, -1]],
    [10, 3, 0, [-3, -2, -1, 0]],
    [10, 3, 1, [-2, -1, 0]],
    [10, 3, -1, [-3, -2, -1]],
    [10, 10, -5, [-1]],
    [10, 1, 0.5, [-9, -8, -7, -6, -5, -4, -3, -2, -1, 0]],
  ])("length %s s, offset %s s: an item at T0 + %s s is in windows %j", (length, offset, s, ids) => {
    expect(idsFor(new win.SlidingWindower(length * 1000, offset * 1000, T0), at(s))).toEqual(ids);
  });

  it.each([
    [10_000, 10_000],
    [10_000, 5_000],
    [10_000, 3_000],
    [10_000, 1],
    [7_000, 2_000],
    [60_000, 45_000],
    [3, 2],
  ])("length %s ms, offset %s ms: ids match the definition before and after alignTo", (length, offset) => {
    const windower = new win.SlidingWindower(length, offset, T0);
    const align = T0.getTime();
    for (let ms = -length * 3 - 7; ms <= length * 3 + 7; ms += Math.max(1, Math.floor(length / 37))) {
      expect(idsFor(windower, new Date(align + ms)), `at T0 ${ms} ms`).toEqual(bruteIds(length, offset, align, align + ms));
    }
  });

  it("offset === length gives the tumbling windows", () => {
    const sliding = new win.SlidingWindower(10_000, 10_000, T0);
    const tumbling = new win.TumblingWindower(10_000, T0);
    for (let s = -30; s < 30; s += 0.7) expect(idsFor(sliding, at(s))).toEqual(idsFor(tumbling, at(s)));
  });

  it("closes overlapping windows in id order as the watermark passes their ends", () => {
    const logic = new win.SlidingWindower(10_000, 5_000, T0).build(undefined);
    logic.openFor(at(7).getTime()); // windows 0 [0, 10) and 1 [5, 15)
    logic.openFor(at(12).getTime()); // windows 1 and 2 [10, 20)
    expect(logic.closeFor(at(9.999).getTime())).toEqual([]);
    expect(logic.closeFor(at(15).getTime()).map(([id]) => id)).toEqual([0, 1]);
    expect(logic.nextClose()).toBe(at(20).getTime());
  });

  it("rejects offset > length and bad durations with a BuildError", () => {
    expect(() => new win.SlidingWindower(5_000, 10_000, T0)).toThrow(BuildError);
    expect(() => new win.SlidingWindower(5_000, 10_000, T0)).toThrow(/offset \(10000 ms\) must not be longer than length \(5000 ms\)/);
    expect(() => new win.SlidingWindower(0, 0, T0)).toThrow(/length must be a number of milliseconds > 0/);
    expect(() => new win.SlidingWindower(10, -1, T0)).toThrow(/offset/);
    expect(() => new win.TumblingWindower(Infinity, T0)).toThrow(BuildError);
    expect(() => new win.TumblingWindower(Number.NaN, T0)).toThrow(BuildError);
    expect(() => new win.TumblingWindower(10, new Date("nope"))).toThrow(/alignTo must be a valid Date; got an invalid Date/);
    expect(() => new win.TumblingWindower(10, "2024-01-01" as unknown as Date)).toThrow(/alignTo must be a valid Date; got string/);
  });
});

describe("window ids through the operators", () => {
  it("tumbling: ids count from alignTo and are negative before it", async () => {
    const outs = await runWindow(
      [ev("a", -12, "p"), ev("a", -3, "q"), ev("a", 4, "r"), ev("a", 10, "s")],
      (up) => win.collectWindow("c", up, frozenClock(0), new win.TumblingWindower(10_000, T0)),
    );
    expect(downOf(outs, vals)).toEqual([
      ["a", [-2, ["p"]]],
      ["a", [-1, ["q"]]],
      ["a", [0, ["r"]]],
      ["a", [1, ["s"]]],
    ]);
    expect(metaOf(outs)).toEqual([
      ["a", -2, -20, -10, []],
      ["a", -1, -10, 0, []],
      ["a", 0, 0, 10, []],
      ["a", 1, 10, 20, []],
    ]);
  });

  it("sliding: an item goes to every window covering it", async () => {
    const outs = await runWindow(
      [ev("a", -7, "p"), ev("a", -2, "q"), ev("a", 3, "r"), ev("a", 12, "s")],
      (up) => win.collectWindow("c", up, frozenClock(60_000), new win.SlidingWindower(10_000, 5_000, T0)),
    );
    // Closed in id order at EOF.
    expect(downOf(outs, vals)).toEqual([
      ["a", [-3, ["p"]]],
      ["a", [-2, ["p", "q"]]],
      ["a", [-1, ["q", "r"]]],
      ["a", [0, ["r"]]],
      ["a", [1, ["s"]]],
      ["a", [2, ["s"]]],
    ]);
    expect(metaOf(outs).map(([, id, open, close]) => [id, open, close])).toEqual([
      [-3, -15, -5],
      [-2, -10, 0],
      [-1, -5, 5],
      [0, 0, 10],
      [1, 5, 15],
      [2, 10, 20],
    ]);
    expect(outs.late).toEqual([]);
  });
});

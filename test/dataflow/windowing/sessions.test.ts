import { describe, expect, it } from "vitest";
import { BuildError } from "../../../src/index.js";
import * as win from "../../../src/dataflow/windowing/index.js";
import { downOf, ev, frozenClock, metaOf, runWindow, vals, type Ev } from "./helpers.js";

const GAP = 5_000;

/** Collect sessions of `items` with a frozen event clock of `wait` ms. */
function sessions(items: readonly (readonly [string, Ev])[], wait: number, ordered: boolean) {
  return runWindow(items, (up) => win.collectWindow("s", up, frozenClock(wait), new win.SessionWindower(GAP), { ordered }));
}

describe("SessionWindower", () => {
  it("numbers sessions 0, 1, 2 … per key, in the order they open", async () => {
    const outs = await sessions(
      [ev("a", 0, "a0"), ev("b", 1, "b0"), ev("a", 20, "a1"), ev("a", 40, "a2"), ev("b", 30, "b1")],
      Infinity,
      false,
    );
    expect(downOf(outs, vals)).toEqual([
      ["a", [0, ["a0"]]],
      ["a", [1, ["a1"]]],
      ["a", [2, ["a2"]]],
      ["b", [0, ["b0"]]],
      ["b", [1, ["b1"]]],
    ]);
  });

  it("items exactly `gap` apart share a session; a millisecond more opens a new one", async () => {
    const outs = await sessions(
      [ev("a", 0, "p"), ev("a", 5, "q"), ev("a", 10, "r"), ev("a", 15.001, "s")],
      Infinity,
      true,
    );
    expect(downOf(outs, vals)).toEqual([
      ["a", [0, ["p", "q", "r"]]],
      ["a", [1, ["s"]]],
    ]);
    // A session spans its first to last item (both inclusive).
    expect(metaOf(outs)).toEqual([
      ["a", 0, 0, 10, []],
      ["a", 1, 15.001, 15.001, []],
    ]);
  });

  it("merges two sessions bridged by a third item into the earlier one", async () => {
    const outs = await sessions([ev("a", 0, "p"), ev("a", 10, "r"), ev("a", 5, "q")], Infinity, false);
    expect(downOf(outs, vals)).toEqual([["a", [0, ["p", "q", "r"]]]]);
    expect(metaOf(outs)).toEqual([["a", 0, 0, 10, [1]]]);
  });

  it("merges at exactly `gap` on both sides, and chains merged ids", async () => {
    const outs = await sessions(
      // Sessions 0 [0], 1 [10], 2 [20]; 5 bridges 0 and 1 (exactly 5 s each way), 15 bridges that with 2.
      [ev("a", 0, "p"), ev("a", 10, "r"), ev("a", 20, "t"), ev("a", 5, "q"), ev("a", 15, "s")],
      Infinity,
      false,
    );
    expect(downOf(outs, vals)).toEqual([["a", [0, ["p", "q", "r", "s", "t"]]]]);
    expect(metaOf(outs)).toEqual([["a", 0, 0, 20, [1, 2]]]);
  });

  it("an item extending a session downwards merges the earlier session into it", async () => {
    // Session 0 [10], session 1 [0]; 5 is within the gap of both: session 1 opens earlier, so it absorbs 0.
    const outs = await sessions([ev("a", 10, "r"), ev("a", 0, "p"), ev("a", 5, "q")], Infinity, false);
    expect(downOf(outs, vals)).toEqual([["a", [1, ["p", "q", "r"]]]]);
    expect(metaOf(outs)).toEqual([["a", 1, 0, 10, [0]]]);
  });

  it("ordered sessions apply items in timestamp order, so they never need to merge", async () => {
    const outs = await sessions([ev("a", 0, "p"), ev("a", 10, "r"), ev("a", 5, "q")], 30_000, true);
    expect(downOf(outs, vals)).toEqual([["a", [0, ["p", "q", "r"]]]]);
    expect(metaOf(outs)).toEqual([["a", 0, 0, 10, []]]);
  });

  it("closes a session once the watermark is past its last item + gap", async () => {
    const outs = await sessions(
      // With no wait the watermark is the latest timestamp. 10 closes session 0 [0] (0 + 5 is past);
      // at 15 session 1 [10] stays open (10 + 5 is not past) and takes 15; 20.001 closes it.
      [ev("a", 0, "p"), ev("a", 10, "q"), ev("b", 15, "b"), ev("a", 15, "r"), ev("a", 20.001, "s")],
      0,
      true,
    );
    expect(downOf(outs, vals)).toEqual([
      ["a", [0, ["p"]]],
      ["a", [1, ["q", "r"]]],
      ["a", [2, ["s"]]],
      ["b", [0, ["b"]]],
    ]);
  });

  it("a merged session's logic is merged with onMerge (foldWindow's merger)", async () => {
    const outs = await runWindow(
      [ev("a", 0, 1), ev("a", 10, 10), ev("a", 5, 100)],
      (up) =>
        win.foldWindow(
          "sum",
          up,
          frozenClock(Infinity),
          new win.SessionWindower(GAP),
          () => 0,
          (acc, e) => acc + e.v,
          (acc, original) => acc * 1000 + original,
          { ordered: false },
        ),
    );
    // Session 0 holds 1 + 100, session 1 holds 10: merged as 101 * 1000 + 10.
    expect(outs.down).toEqual([["a", [0, 101_010]]]);
  });

  it("rejects a negative or non-finite gap with a BuildError", () => {
    expect(() => new win.SessionWindower(-1)).toThrow(BuildError);
    expect(() => new win.SessionWindower(-1)).toThrow(/SessionWindower gap must be a number of milliseconds >= 0/);
    expect(() => new win.SessionWindower(Infinity)).toThrow(BuildError);
    expect(new win.SessionWindower(0).gap).toBe(0);
  });

  it("gap 0 groups only equal timestamps", async () => {
    const outs = await runWindow(
      [ev("a", 1, "p"), ev("a", 1, "q"), ev("a", 1.001, "r")],
      (up) => win.collectWindow("s", up, frozenClock(Infinity), new win.SessionWindower(0)),
    );
    expect(downOf(outs, vals)).toEqual([
      ["a", [0, ["p", "q"]]],
      ["a", [1, ["r"]]],
    ]);
  });
});

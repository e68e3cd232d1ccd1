import { describe, expect, it } from "vitest";
import { BuildError, Dataflow, op, type KeyedStream } from "../../../src/index.js";
import * as win from "../../../src/dataflow/windowing/index.js";
import { runMain, TestingSink, TestingSource } from "../../../src/testing/index.js";
import { T0, at, type Ev } from "./helpers.js";

type InsertMode = op.JoinInsertMode;
type EmitMode = op.JoinEmitMode;

/** `[side, key, seconds, value]`: a value arriving on one side. */
type Event = readonly [side: number, key: string, s: number, v: string];

const U = undefined;

/**
 * Join two sides fed from one source in the order of `events` (one per
 * round) with a frozen event clock (no wait) and return rows as
 * `[key, windowId, values]`, and the late values.
 */
async function joinEvents(
  events: readonly Event[],
  windower: win.Windower,
  options: win.JoinWindowOptions,
): Promise<{ rows: [string, number, (string | undefined)[]][]; late: [string, number, number, string][]; meta: [string, number, number[]][] }> {
  const rows: [string, number, (string | undefined)[]][] = [];
  const late: [string, number, number, string][] = [];
  const meta: [string, number, number[]][] = [];
  const flow = new Dataflow("f");
  const src = flow.input("in", new TestingSource<Event>(events));
  const sides: KeyedStream<Ev>[] = [0, 1].map((i) =>
    src.filterMap(`side_${i}`, ([side, key, s, v]) => (side === i ? ([key, { t: at(s), v }] as const) : undefined)),
  );
  const clock = new win.EventClock((e: Ev) => e.t, options.ordered === false ? Infinity : 0);
  const out = win.joinWindow("j", clock, windower, sides, options);
  out.down.map("rows", ([k, [id, row]]) => [k, id, row.map((e) => e?.v)] as [string, number, (string | undefined)[]]).output("rows_out", new TestingSink(rows));
  out.late.map("late", ([k, [id, [side, e]]]) => [k, id, side, e.v] as [string, number, number, string]).output("late_out", new TestingSink(late));
  out.meta.map("meta", ([k, [id, m]]) => [k, id, [...m.mergedIds]] as [string, number, number[]]).output("meta_out", new TestingSink(meta));
  await runMain(flow);
  return { rows, late, meta };
}

// Key k: window 0 gets a1, a2 on the left, then b1, b2 on the right, then a3;
// window 1 only a4 on the left (which closes window 0).
const events: Event[] = [
  [0, "k", 1, "a1"],
  [0, "k", 2, "a2"],
  [1, "k", 3, "b1"],
  [1, "k", 4, "b2"],
  [0, "k", 5, "a3"],
  [0, "k", 11, "a4"],
];

const tumbling = new win.TumblingWindower(10_000, T0);

const cases: [InsertMode, EmitMode, [number, (string | undefined)[]][]][] = [
  // final (the default): at close, one entry per side, undefined for an empty side.
  ["first", "final", [[0, ["a1", "b1"]], [1, ["a4", U]]]],
  ["last", "final", [[0, ["a3", "b2"]], [1, ["a4", U]]]],
  [
    "product",
    "final",
    [[0, ["a1", "b1"]], [0, ["a1", "b2"]], [0, ["a2", "b1"]], [0, ["a2", "b2"]], [0, ["a3", "b1"]], [0, ["a3", "b2"]], [1, ["a4", U]]],
  ],
  // complete: when every side has a value, then cleared; window 1 never completes.
  ["first", "complete", [[0, ["a1", "b1"]], [0, ["a3", "b2"]]]],
  ["last", "complete", [[0, ["a2", "b1"]], [0, ["a3", "b2"]]]],
  ["product", "complete", [[0, ["a1", "b1"]], [0, ["a2", "b1"]], [0, ["a3", "b2"]]]],
  // running: on every value.
  ["first", "running", [[0, ["a1", U]], [0, ["a1", U]], [0, ["a1", "b1"]], [0, ["a1", "b1"]], [0, ["a1", "b1"]], [1, ["a4", U]]]],
  ["last", "running", [[0, ["a1", U]], [0, ["a2", U]], [0, ["a2", "b1"]], [0, ["a2", "b2"]], [0, ["a3", "b2"]], [1, ["a4", U]]]],
  [
    "product",
    "running",
    [
      [0, ["a1", U]],
      [0, ["a1", U]], [0, ["a2", U]],
      [0, ["a1", "b1"]], [0, ["a2", "b1"]],
      [0, ["a1", "b1"]], [0, ["a1", "b2"]], [0, ["a2", "b1"]], [0, ["a2", "b2"]],
      [0, ["a1", "b1"]], [0, ["a1", "b2"]], [0, ["a2", "b1"]], [0, ["a2", "b2"]], [0, ["a3", "b1"]], [0, ["a3", "b2"]],
      [1, ["a4", U]],
    ],
  ],
];

describe("win.joinWindow", () => {
  it.each(cases)("insertMode %s, emitMode %s", async (insertMode, emitMode, expected) => {
    const { rows, late } = await joinEvents(events, tumbling, { insertMode, emitMode });
    expect(rows).toEqual(expected.map(([id, row]) => ["k", id, row]));
    expect(late).toEqual([]);
  });

  it("defaults to insertMode last, emitMode final", async () => {
    const { rows } = await joinEvents(events, tumbling, {});
    expect(rows).toEqual([
      ["k", 0, ["a3", "b2"]],
      ["k", 1, ["a4", U]],
    ]);
  });

  it("joins each window separately and reports late values with their side", async () => {
    const { rows, late } = await joinEvents(
      [[0, "k", 1, "a1"], [1, "k", 12, "b1"], [1, "k", 2, "late"], [0, "k", 13, "a2"]],
      tumbling,
      { emitMode: "final" },
    );
    expect(rows).toEqual([
      ["k", 0, ["a1", U]],
      ["k", 1, ["a2", "b1"]],
    ]);
    expect(late).toEqual([["k", 0, 1, "late"]]);
  });

  // Session 0 [a@0] and session 1 [b@10] (gap 5 s) are bridged by c@5 on the left.
  const bridged: Event[] = [[0, "k", 0, "a"], [1, "k", 10, "b"], [0, "k", 5, "c"]];
  const sessions = new win.SessionWindower(5_000);

  it.each([
    ["last", "final", [[0, ["c", "b"]]]],
    ["first", "final", [[0, ["a", "b"]]]],
    ["product", "final", [[0, ["a", "b"]], [0, ["c", "b"]]]],
    // Merging completes session 0: its rows come out at the merge.
    ["last", "complete", [[0, ["c", "b"]]]],
    // Running: on each value, and the merged state after the merge.
    ["last", "running", [[0, ["a", U]], [1, [U, "b"]], [0, ["c", U]], [0, ["c", "b"]]]],
  ] as [InsertMode, EmitMode, [number, (string | undefined)[]][]][])(
    "merges session join state (insertMode %s, emitMode %s)",
    async (insertMode, emitMode, expected) => {
      const { rows, meta } = await joinEvents(bridged, sessions, { insertMode, emitMode, ordered: false });
      expect(rows).toEqual(expected.map(([id, row]) => ["k", id, row]));
      expect(meta).toEqual([["k", 0, [1]]]);
    },
  );

  it("rejects unknown modes and missing sides with a BuildError naming the step", () => {
    const flow = new Dataflow("f");
    const s = flow.input("in", new TestingSource<readonly [string, Ev]>([]));
    const clock = new win.EventClock((e: Ev) => e.t, 0);
    expect(() => win.joinWindow("j", clock, tumbling, [s, s], { insertMode: "all" as InsertMode })).toThrow(
      /`joinWindow` step 'f.j': insertMode must be "first", "last" or "product"; got all/,
    );
    expect(() => win.joinWindow("j", clock, tumbling, [s, s], { emitMode: "eof" as EmitMode })).toThrow(BuildError);
    expect(() => win.joinWindow("j", clock, tumbling, [])).toThrow(BuildError);
    expect(() => win.joinWindow("j", {} as typeof clock, tumbling, [s])).toThrow(/clock must be/);
  });
});

import { describe, expect, it } from "vitest";
import { BuildError, Dataflow, op, type KeyedStream } from "../../../src/index.js";
import { runMain, TestingSink, TestingSource, VirtualClock } from "../../../src/testing/index.js";
import { runAdvancing, T_START } from "../../support/virtualTime.js";

type JoinEmitMode = op.JoinEmitMode;
type JoinInsertMode = op.JoinInsertMode;

/** `[side, key, value]`: a value arriving on one side of the join. */
type Event = readonly [side: number, key: string, value: string];

/**
 * Join `sides` keyed streams fed from one source in exactly the order of
 * `events` (batch size 1: one event per round), and return the rows.
 */
async function joinEvents(
  events: readonly Event[],
  sides: number,
  insertMode: JoinInsertMode,
  emitMode: JoinEmitMode,
): Promise<unknown[]> {
  const out: unknown[] = [];
  const flow = new Dataflow("f");
  const src = flow.input("in", new TestingSource<Event>(events));
  const streams: KeyedStream<string>[] = Array.from({ length: sides }, (_, i) =>
    src.filterMap(`side_${i}`, ([side, key, value]) => (side === i ? ([key, value] as const) : undefined)),
  );
  op.join("j", streams, { insertMode, emitMode }).output("out", new TestingSink(out));
  await runMain(flow);
  return out;
}

const U = undefined;

describe("op.join", () => {
  describe("two sides", () => {
    // Key "k" gets a1, a2 on the left, then b1, b2 on the right, then a3; key "z" only a left value.
    const events: Event[] = [
      [0, "k", "a1"],
      [0, "z", "z1"],
      [0, "k", "a2"],
      [1, "k", "b1"],
      [1, "k", "b2"],
      [0, "k", "a3"],
    ];

    const cases: [JoinInsertMode, JoinEmitMode, unknown[]][] = [
      // complete: emit once every side has a value, then clear.
      ["first", "complete", [["k", ["a1", "b1"]], ["k", ["a3", "b2"]]]],
      ["last", "complete", [["k", ["a2", "b1"]], ["k", ["a3", "b2"]]]],
      ["product", "complete", [["k", ["a1", "b1"]], ["k", ["a2", "b1"]], ["k", ["a3", "b2"]]]],
      // running: emit on every value, undefined for an empty side, keep the state.
      [
        "first",
        "running",
        [["k", ["a1", U]], ["z", ["z1", U]], ["k", ["a1", U]], ["k", ["a1", "b1"]], ["k", ["a1", "b1"]], ["k", ["a1", "b1"]]],
      ],
      [
        "last",
        "running",
        [["k", ["a1", U]], ["z", ["z1", U]], ["k", ["a2", U]], ["k", ["a2", "b1"]], ["k", ["a2", "b2"]], ["k", ["a3", "b2"]]],
      ],
      [
        "product",
        "running",
        [
          ["k", ["a1", U]],
          ["z", ["z1", U]],
          ["k", ["a1", U]],
          ["k", ["a2", U]],
          ["k", ["a1", "b1"]],
          ["k", ["a2", "b1"]],
          ["k", ["a1", "b1"]],
          ["k", ["a1", "b2"]],
          ["k", ["a2", "b1"]],
          ["k", ["a2", "b2"]],
          ["k", ["a1", "b1"]],
          ["k", ["a1", "b2"]],
          ["k", ["a2", "b1"]],
          ["k", ["a2", "b2"]],
          ["k", ["a3", "b1"]],
          ["k", ["a3", "b2"]],
        ],
      ],
      // final: emit at EOF only, keys sorted, undefined for an empty side.
      ["first", "final", [["k", ["a1", "b1"]], ["z", ["z1", U]]]],
      ["last", "final", [["k", ["a3", "b2"]], ["z", ["z1", U]]]],
      [
        "product",
        "final",
        [
          ["k", ["a1", "b1"]],
          ["k", ["a1", "b2"]],
          ["k", ["a2", "b1"]],
          ["k", ["a2", "b2"]],
          ["k", ["a3", "b1"]],
          ["k", ["a3", "b2"]],
          ["z", ["z1", U]],
        ],
      ],
    ];

    it.each(cases)("insertMode %s, emitMode %s", async (insertMode, emitMode, expected) => {
      expect(await joinEvents(events, 2, insertMode, emitMode)).toEqual(expected);
    });
  });

  describe("three sides", () => {
    // "k": a1, c1, a2, b1, c2. "m": no middle side.
    const events: Event[] = [
      [0, "k", "a1"],
      [2, "k", "c1"],
      [0, "m", "m0"],
      [0, "k", "a2"],
      [1, "k", "b1"],
      [2, "m", "m2"],
      [2, "k", "c2"],
    ];

    const cases: [JoinInsertMode, JoinEmitMode, unknown[]][] = [
      ["first", "complete", [["k", ["a1", "b1", "c1"]]]],
      ["last", "complete", [["k", ["a2", "b1", "c1"]]]],
      ["product", "complete", [["k", ["a1", "b1", "c1"]], ["k", ["a2", "b1", "c1"]]]],
      [
        "first",
        "running",
        [
          ["k", ["a1", U, U]],
          ["k", ["a1", U, "c1"]],
          ["m", ["m0", U, U]],
          ["k", ["a1", U, "c1"]],
          ["k", ["a1", "b1", "c1"]],
          ["m", ["m0", U, "m2"]],
          ["k", ["a1", "b1", "c1"]],
        ],
      ],
      [
        "last",
        "running",
        [
          ["k", ["a1", U, U]],
          ["k", ["a1", U, "c1"]],
          ["m", ["m0", U, U]],
          ["k", ["a2", U, "c1"]],
          ["k", ["a2", "b1", "c1"]],
          ["m", ["m0", U, "m2"]],
          ["k", ["a2", "b1", "c2"]],
        ],
      ],
      [
        "product",
        "running",
        [
          ["k", ["a1", U, U]],
          ["k", ["a1", U, "c1"]],
          ["m", ["m0", U, U]],
          ["k", ["a1", U, "c1"]],
          ["k", ["a2", U, "c1"]],
          ["k", ["a1", "b1", "c1"]],
          ["k", ["a2", "b1", "c1"]],
          ["m", ["m0", U, "m2"]],
          // Cartesian product order: the first side varies slowest.
          ["k", ["a1", "b1", "c1"]],
          ["k", ["a1", "b1", "c2"]],
          ["k", ["a2", "b1", "c1"]],
          ["k", ["a2", "b1", "c2"]],
        ],
      ],
      ["first", "final", [["k", ["a1", "b1", "c1"]], ["m", ["m0", U, "m2"]]]],
      ["last", "final", [["k", ["a2", "b1", "c2"]], ["m", ["m0", U, "m2"]]]],
      [
        "product",
        "final",
        [
          ["k", ["a1", "b1", "c1"]],
          ["k", ["a1", "b1", "c2"]],
          ["k", ["a2", "b1", "c1"]],
          ["k", ["a2", "b1", "c2"]],
          ["m", ["m0", U, "m2"]],
        ],
      ],
    ];

    it.each(cases)("insertMode %s, emitMode %s", async (insertMode, emitMode, expected) => {
      expect(await joinEvents(events, 3, insertMode, emitMode)).toEqual(expected);
    });
  });

  it("defaults to insertMode last, emitMode complete, on separate sources", async () => {
    const out: unknown[] = [];
    const flow = new Dataflow("f");
    const names = flow.input("names", new TestingSource<readonly [string, string]>([["u1", "Ada"], ["u2", "Bob"], ["u1", "Ada L."]]));
    const emails = flow.input(
      "emails",
      new TestingSource<readonly [string, string]>([TestingSource.PAUSE(30), ["u1", "ada@x"], ["u3", "cy@x"]]),
    );
    op.join("user", [names, emails]).output("out", new TestingSink(out));
    await runAdvancing(flow, { clock: new VirtualClock(T_START), advance: 30 });
    expect(out).toEqual([["u1", ["Ada L.", "ada@x"]]]);
  });

  it("a key whose complete row was emitted starts empty again", async () => {
    const events: Event[] = [
      [0, "k", "a1"],
      [1, "k", "b1"],
      [1, "k", "b2"],
    ];
    expect(await joinEvents(events, 2, "last", "running")).toEqual([
      ["k", ["a1", U]],
      ["k", ["a1", "b1"]],
      ["k", ["a1", "b2"]],
    ]);
    expect(await joinEvents(events, 2, "last", "complete")).toEqual([["k", ["a1", "b1"]]]);
  });

  it("rejects unknown modes and an empty list of sides with a BuildError", () => {
    const flow = new Dataflow("f");
    const s = flow.input("in", new TestingSource<readonly [string, number]>([]));
    expect(() => op.join("j1", [s, s], { insertMode: "all" as JoinInsertMode })).toThrow(BuildError);
    expect(() => op.join("j2", [s, s], { emitMode: "eager" as JoinEmitMode })).toThrow(/emitMode must be/);
    expect(() => op.join("j3", [])).toThrow(BuildError);
  });
});

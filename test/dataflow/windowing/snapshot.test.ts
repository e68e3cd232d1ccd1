/**
 * Window state is the key's snapshot. Until recovery lands, this stands in
 * for "resume a window flow after an abort": the snapshot a run takes at
 * epoch close must round-trip through `defaultSerde`, and a logic rebuilt
 * from it must close the windows the key had open.
 */
import { describe, expect, it } from "vitest";
import { Dataflow, defaultSerde, type StatefulBatchLogic, type StepNode } from "../../../src/index.js";
import * as win from "../../../src/dataflow/windowing/index.js";
import { runFlow } from "../../../src/run/runMain.js";
import { TestingSink, TestingSource, TimeTestingGetter, VirtualClock } from "../../../src/testing/index.js";
import type { RunContext } from "../../../src/clock.js";
import { CLOSE, DOWN, LATE, META } from "../../../src/dataflow/windowing/internal/events.js";
import { metadata } from "../../../src/dataflow/windowing/internal/windowerLogic.js";
import { NOTIFY_AT_MS, type TimedInMs } from "../../../src/dataflow/stateful/builtinLogic.js";
import { T0, at, ev, frozenClock, type Ev } from "./helpers.js";

type Event = readonly [number, readonly [number, unknown], number?, number?, (readonly number[])?];
type Logic = StatefulBatchLogic<Ev, Event, unknown>;

/** The builder the runtime calls for the flow's only `statefulBatch`. */
function statefulBuilder(flow: Dataflow): (resume: unknown) => Logic {
  const find = (nodes: readonly StepNode[]): StepNode | undefined => {
    for (const node of nodes) {
      if (node.core?.kind === "statefulBatch") return node;
      const inner = find(node.substeps);
      if (inner !== undefined) return inner;
    }
    return undefined;
  };
  const core = find(flow.substeps)!.core as unknown as { builder: (resume: unknown, context: RunContext, key: string) => Logic };
  const context: RunContext = { clock: new VirtualClock(T0.getTime()), worker: 0, workerCount: 1 };
  return (resume) => core.builder(resume, context, "a");
}

/** Run `flow` with one epoch per batch until it aborts; return the last snapshot of `key`. */
async function lastSnapshot(flow: Dataflow, key: string) {
  const entries: { stepId: string; stateKey: string; state: unknown; bytes: Uint8Array | null }[] = [];
  const outcome = await runFlow(flow, { epochInterval: 0, onEpochClose: (_epoch, es) => void entries.push(...es) });
  expect(outcome).toBe("aborted");
  const mine = entries.filter((e) => e.stateKey === key && e.stepId.endsWith(".stateful_batch"));
  return mine[mine.length - 1];
}

/** Events as `[output, windowId, values or metadata]` (values of collected `Ev`s); a closed window is a `down` and a `meta`. */
function events(result: readonly [Iterable<Event>, boolean]): [string, number, unknown][] {
  return [...result[0]].flatMap(([tag, [id, payload], open, close, merged]): [string, number, unknown][] => {
    const values = (): unknown => (payload as Ev[]).map((e) => e.v);
    const meta = (): unknown => (open === undefined ? payload : metadata(open, close!, merged));
    if (tag === DOWN) return [["down", id, values()]];
    if (tag === LATE) return [["late", id, values()]];
    if (tag === META) return [["meta", id, meta()]];
    expect(tag).toBe(CLOSE);
    return [
      ["down", id, values()],
      ["meta", id, meta()],
    ];
  });
}

describe("window state snapshots (stand-in for the resume-after-abort test until recovery lands)", () => {
  it("a key's snapshot round-trips through defaultSerde, and a logic rebuilt from it closes the windows it had open", async () => {
    const now = new TimeTestingGetter(new Date("2030-01-01T00:00:00Z"));
    const down: unknown[] = [];
    const flow = new Dataflow("f");
    const up = flow.input("in", new TestingSource([ev("a", 1, "x"), ev("a", 12, "y"), TestingSource.ABORT(), ev("a", 30, "z")]));
    win.collectWindow("c", up, frozenClock(5_000, now), new win.TumblingWindower(10_000, T0)).down.output("out", new TestingSink(down));

    const snap = await lastSnapshot(flow, "a");
    // Nothing closed before the abort: the watermark was 7 s, window 0 open with x, y queued (12 s).
    expect(down).toEqual([]);
    expect(snap.bytes).not.toBeNull();
    const state = defaultSerde.deserialize(snap.bytes!);
    expect(state).toEqual(snap.state);
    expect(state).toMatchObject({
      slots: [[0, [{ t: at(1), v: "x" }]]],
      queue: [[at(12).getTime(), { t: at(12), v: "y" }]],
    });

    // Rebuilt, it still wants a timer, and at EOF closes window 0 and the window of the queued value.
    const builder = statefulBuilder(flow);
    expect(Number.isFinite((builder(state) as unknown as TimedInMs)[NOTIFY_AT_MS]())).toBe(true);
    const atEof = events(builder(defaultSerde.deserialize(snap.bytes!)).onEof());
    expect(atEof.filter(([kind]) => kind === "down")).toEqual([
      ["down", 0, ["x"]],
      ["down", 1, ["y"]],
    ]);
    expect(atEof.filter(([kind]) => kind === "meta").map(([, id]) => id)).toEqual([0, 1]);

    // On its timer, once 5 s of (injected) system time pass: the watermark reaches 12 s, window 0 closes.
    const rebuilt = builder(defaultSerde.deserialize(snap.bytes!));
    now.advance(5_000);
    expect(events(rebuilt.onNotify())).toEqual([
      ["down", 0, ["x"]],
      ["meta", 0, { openTime: at(0), closeTime: at(10), mergedIds: new Set() }],
    ]);
  });

  it("session state (ids, open sessions) survives the round trip, so later merges still work", async () => {
    const flow = new Dataflow("f");
    const up = flow.input("in", new TestingSource([ev("a", 0, "p"), ev("a", 10, "r"), TestingSource.ABORT()]));
    const sessions = new win.SessionWindower(5_000);
    win.collectWindow("c", up, frozenClock(Infinity), sessions, { ordered: false }).down.output("out", new TestingSink([]));

    const snap = await lastSnapshot(flow, "a");
    const state = defaultSerde.deserialize(snap.bytes!);
    expect(state).toEqual(snap.state);

    const builder = statefulBuilder(flow);
    const closedAtEof = events(builder(state).onEof()).filter(([kind]) => kind === "down");
    expect(closedAtEof).toEqual([
      ["down", 0, ["p"]],
      ["down", 1, ["r"]],
    ]);

    const rebuilt = builder(defaultSerde.deserialize(snap.bytes!));
    expect(events(rebuilt.onBatch([{ t: at(5), v: "q" }]))).toEqual([]);
    expect(events(rebuilt.onBatch([{ t: at(40), v: "s" }]))).toEqual([]);
    expect(events(rebuilt.onEof())).toEqual([
      ["down", 0, ["p", "q", "r"]],
      ["meta", 0, { openTime: at(0), closeTime: at(10), mergedIds: new Set([1]) }],
      // The next id after a resume continues from the snapshot.
      ["down", 2, ["s"]],
      ["meta", 2, { openTime: at(40), closeTime: at(40), mergedIds: new Set() }],
    ]);
  });
});

/**
 * The coordinator of a run on several workers, driven by scripted message
 * sequences: no threads, no timers, no store.
 */
import { describe, expect, it } from "vitest";
import { Coordinator, type CoordinatorCommand, type CoordinatorEvent } from "../../src/run/internal/coordinator.js";
import { serializeError, type LoopInfo, type SnapshotMessage } from "../../src/run/internal/protocol.js";
import { StepError } from "../../src/index.js";

const entry = (stateKey: string): SnapshotMessage => ({ stepId: "f.s", stateKey, bytes: new Uint8Array([1]) });

/** A coordinator of `workers` workers, listed and assigned, with the commands of each event kept. */
function started(options: { workers?: number; epochInterval?: number; loops?: LoopInfo[]; inputs?: string[] } = {}) {
  const workers = options.workers ?? 2;
  const c = new Coordinator({ workers, epochInterval: options.epochInterval ?? 1000, startEpoch: 1, storing: true });
  const log: CoordinatorCommand[] = [];
  const on = (e: CoordinatorEvent): CoordinatorCommand[] => {
    const out = c.on(e);
    log.push(...out);
    return out;
  };
  for (let w = 0; w < workers; w++) {
    on({ t: "parts", worker: w, flowId: "f", inputs: options.inputs ?? ["f.in"], loops: options.loops ?? [], parts: { "f.in": ["p0", "p1"] } });
  }
  return { c, on, log, workers };
}

const posts = (cmds: CoordinatorCommand[]) => cmds.flatMap((c) => (c.do === "post" ? [c.msg] : []));
const kinds = (cmds: CoordinatorCommand[]) => cmds.map((c) => (c.do === "post" ? `post:${c.msg.t}` : c.do));

describe("Coordinator", () => {
  it("assigns partitions once every worker listed them, then starts the epoch timer", () => {
    const { log } = started();
    expect(kinds(log)).toEqual(["logStart", "post:assign", "startTicks"]);
    const assign = posts(log)[0];
    expect(assign).toEqual({ t: "assign", owners: { "f.in": { p0: expect.any(Number), p1: expect.any(Number) } } });
  });

  it("runs a barrier per tick, commits once every worker sent its snapshots, then tells the workers", () => {
    const { on } = started();
    expect(posts(on({ t: "tick" }))).toEqual([{ t: "barrier", epoch: 1, doneInputs: [], final: false }]);
    expect(on({ t: "snapshots", worker: 1, epoch: 1, entries: [entry("a")], items: 5, inFlight: {} })).toEqual([]);
    expect(on({ t: "snapshots", worker: 0, epoch: 1, entries: [entry("b")], items: 7, inFlight: {} })).toEqual([
      { do: "commit", epoch: 1, entries: [entry("a"), entry("b")] },
    ]);
    expect(on({ t: "committed", epoch: 1 })).toEqual([
      { do: "logEpoch", epoch: 1, items: 12, stored: 2 },
      { do: "post", msg: { t: "committed", epoch: 1 } },
    ]);
    expect(posts(on({ t: "tick" }))).toEqual([{ t: "barrier", epoch: 2, doneInputs: [], final: false }]);
  });

  it("starts no second barrier while one is open, and runs the one asked for meanwhile right after the commit", () => {
    const { on } = started({ epochInterval: 0 });
    expect(posts(on({ t: "wantBarrier", worker: 0 }))).toEqual([{ t: "barrier", epoch: 1, doneInputs: [], final: false }]);
    expect(on({ t: "wantBarrier", worker: 1 })).toEqual([]);
    on({ t: "snapshots", worker: 0, epoch: 1, entries: [], items: 1, inFlight: {} });
    on({ t: "snapshots", worker: 1, epoch: 1, entries: [], items: 1, inFlight: {} });
    expect(posts(on({ t: "committed", epoch: 1 }))).toEqual([
      { t: "committed", epoch: 1 },
      { t: "barrier", epoch: 2, doneInputs: [], final: false },
    ]);
  });

  it("runs the final barrier as soon as every input ended on every worker, and finishes once all workers ended and exited", () => {
    const { on } = started();
    expect(on({ t: "inputsDone", worker: 0, inputs: ["f.in"] })).toEqual([]);
    expect(posts(on({ t: "inputsDone", worker: 1, inputs: ["f.in"] }))).toEqual([{ t: "barrier", epoch: 1, doneInputs: ["f.in"], final: true }]);
    on({ t: "snapshots", worker: 0, epoch: 1, entries: [], items: 3, inFlight: {} });
    on({ t: "snapshots", worker: 1, epoch: 1, entries: [], items: 4, inFlight: {} });
    on({ t: "committed", epoch: 1 });
    expect(on({ t: "tick" })).toEqual([]);
    on({ t: "ended", worker: 0, outcome: "eof" });
    on({ t: "exit", worker: 0, code: 0 });
    on({ t: "ended", worker: 1, outcome: "eof" });
    expect(on({ t: "exit", worker: 1, code: 0 })).toEqual([{ do: "finish", outcome: "eof", items: 7 }]);
  });

  it("a worker failing during a barrier fails the run at once, commits nothing, and ignores what comes after", () => {
    const { on } = started();
    on({ t: "tick" });
    on({ t: "snapshots", worker: 0, epoch: 1, entries: [entry("a")], items: 1, inFlight: {} });
    const err = new StepError("error calling `mapper` in step 'f.m': boom", { stepId: "f.m", key: "k", cause: new Error("boom") });
    const out = on({ t: "error", worker: 1, error: serializeError(err) });
    expect(out).toHaveLength(1);
    expect(out[0].do).toBe("fail");
    const failed = (out[0] as { error: unknown }).error;
    expect(failed).toBeInstanceOf(StepError);
    expect(failed).toMatchObject({ stepId: "f.m", key: "k", message: err.message });
    expect((failed as Error).cause).toMatchObject({ message: "boom" });
    // The other worker's snapshots, its end, the exits: nothing more happens.
    expect(on({ t: "snapshots", worker: 1, epoch: 1, entries: [], items: 1, inFlight: {} })).toEqual([]);
    expect(on({ t: "ended", worker: 0, outcome: "stopped" })).toEqual([]);
    expect(on({ t: "exit", worker: 1, code: 1 })).toEqual([]);
  });

  it("a stop before the final commit: no more commits, the workers stop, the run ends stopped", () => {
    const { on } = started();
    on({ t: "tick" });
    on({ t: "snapshots", worker: 0, epoch: 1, entries: [], items: 2, inFlight: {} });
    expect(posts(on({ t: "stop" }))).toEqual([{ t: "stop" }]);
    // The snapshots of the barrier in progress are not committed after a stop.
    expect(on({ t: "snapshots", worker: 1, epoch: 1, entries: [], items: 2, inFlight: {} })).toEqual([]);
    expect(on({ t: "tick" })).toEqual([]);
    on({ t: "ended", worker: 0, outcome: "stopped" });
    on({ t: "ended", worker: 1, outcome: "stopped" });
    on({ t: "exit", worker: 0, code: 0 });
    expect(on({ t: "exit", worker: 1, code: 0 })).toEqual([{ do: "finish", outcome: "stopped", items: 2 }]);
  });

  it("a stop during the final commit is too late: the run completes as EOF", () => {
    const { on } = started();
    on({ t: "inputsDone", worker: 0, inputs: ["f.in"] });
    on({ t: "inputsDone", worker: 1, inputs: ["f.in"] });
    on({ t: "snapshots", worker: 0, epoch: 1, entries: [], items: 1, inFlight: {} });
    expect(kinds(on({ t: "snapshots", worker: 1, epoch: 1, entries: [], items: 1, inFlight: {} }))).toEqual(["commit"]);
    // The signal arrives while the store commits the final epoch.
    expect(on({ t: "stop" })).toEqual([]);
    expect(posts(on({ t: "committed", epoch: 1 }))).toEqual([{ t: "committed", epoch: 1 }]);
    expect(on({ t: "stop" })).toEqual([]);
    for (const worker of [0, 1]) on({ t: "ended", worker, outcome: "eof" });
    on({ t: "exit", worker: 0, code: 0 });
    expect(on({ t: "exit", worker: 1, code: 0 })).toEqual([{ do: "finish", outcome: "eof", items: 2 }]);
  });

  it("ignores snapshots of another epoch than the barrier's (a late message)", () => {
    const { on } = started();
    on({ t: "tick" });
    on({ t: "snapshots", worker: 0, epoch: 1, entries: [], items: 1, inFlight: {} });
    on({ t: "snapshots", worker: 1, epoch: 1, entries: [], items: 1, inFlight: {} });
    on({ t: "committed", epoch: 1 });
    // A duplicate of epoch 1 arriving now must not count towards epoch 2.
    expect(on({ t: "snapshots", worker: 0, epoch: 1, entries: [entry("old")], items: 1, inFlight: {} })).toEqual([]);
    on({ t: "tick" });
    expect(on({ t: "snapshots", worker: 0, epoch: 2, entries: [], items: 1, inFlight: {} })).toEqual([]);
    expect(kinds(on({ t: "snapshots", worker: 1, epoch: 2, entries: [entry("new")], items: 1, inFlight: {} }))).toEqual(["commit"]);
  });

  it("a worker that aborts (AbortExecution) stops the others; the run ends aborted", () => {
    const { on } = started();
    expect(posts(on({ t: "ended", worker: 1, outcome: "aborted" }))).toEqual([{ t: "stop" }]);
    on({ t: "exit", worker: 1, code: 0 });
    on({ t: "ended", worker: 0, outcome: "stopped" });
    expect(on({ t: "exit", worker: 0, code: 0 })).toEqual([{ do: "finish", outcome: "aborted", items: 0 }]);
  });

  it("a worker exiting without reporting how its run ended fails the run", () => {
    const { on } = started();
    const out = on({ t: "exit", worker: 0, code: 1 });
    expect(out).toEqual([{ do: "fail", error: expect.objectContaining({ message: "worker 0 exited with code 1 before the run ended" }) }]);
  });

  it("a failed commit fails the run", () => {
    const { on } = started();
    on({ t: "tick" });
    on({ t: "snapshots", worker: 0, epoch: 1, entries: [], items: 1, inFlight: {} });
    on({ t: "snapshots", worker: 1, epoch: 1, entries: [], items: 1, inFlight: {} });
    const disk = new Error("disk full");
    expect(on({ t: "commitFailed", error: disk })).toEqual([{ do: "fail", error: disk }]);
  });

  describe("with a loop", () => {
    const loops: LoopInfo[] = [{ id: "f.loop", inputs: ["f.in"], loops: ["f.loop"] }];

    it("ends the loop in the barrier after one where its inputs had ended and nothing was in flight", () => {
      const { on } = started({ loops });
      on({ t: "inputsDone", worker: 0, inputs: ["f.in"] });
      // Inputs ended, but the loop may hold items: inputs end in an epoch's barrier, as always.
      expect(on({ t: "inputsDone", worker: 1, inputs: ["f.in"] })).toEqual([]);
      expect(posts(on({ t: "tick" }))).toEqual([{ t: "barrier", epoch: 1, doneInputs: ["f.in"], final: false }]);
      on({ t: "snapshots", worker: 0, epoch: 1, entries: [], items: 1, inFlight: { "f.loop": 0 } });
      on({ t: "snapshots", worker: 1, epoch: 1, entries: [], items: 1, inFlight: { "f.loop": 0 } });
      // Nothing in flight: the loop can end, at once, in the final barrier.
      expect(posts(on({ t: "committed", epoch: 1 }))).toEqual([
        { t: "committed", epoch: 1 },
        { t: "barrier", epoch: 2, doneInputs: ["f.in", "f.loop"], final: true },
      ]);
    });

    it("keeps the loop open while items are in flight, and checks again once every worker is idle", () => {
      const { on } = started({ loops });
      on({ t: "inputsDone", worker: 0, inputs: ["f.in"] });
      on({ t: "inputsDone", worker: 1, inputs: ["f.in"] });
      on({ t: "tick" });
      on({ t: "snapshots", worker: 0, epoch: 1, entries: [], items: 1, inFlight: { "f.loop": 3 } });
      on({ t: "snapshots", worker: 1, epoch: 1, entries: [], items: 1, inFlight: { "f.loop": 0 } });
      expect(posts(on({ t: "committed", epoch: 1 }))).toEqual([{ t: "committed", epoch: 1 }]);
      expect(on({ t: "idle", worker: 1 })).toEqual([]);
      expect(posts(on({ t: "idle", worker: 0 }))).toEqual([{ t: "barrier", epoch: 2, doneInputs: ["f.in"], final: false }]);
      on({ t: "snapshots", worker: 0, epoch: 2, entries: [], items: 1, inFlight: { "f.loop": 0 } });
      on({ t: "snapshots", worker: 1, epoch: 2, entries: [], items: 1, inFlight: { "f.loop": 0 } });
      expect(posts(on({ t: "committed", epoch: 2 }))[1]).toEqual({ t: "barrier", epoch: 3, doneInputs: ["f.in", "f.loop"], final: true });
    });

    it("never ends a loop whose inputs have not all ended, however idle", () => {
      const { on } = started({ loops, inputs: ["f.in", "f.other"] });
      on({ t: "inputsDone", worker: 0, inputs: ["f.other"] });
      on({ t: "inputsDone", worker: 1, inputs: ["f.other"] });
      on({ t: "idle", worker: 0 });
      expect(on({ t: "idle", worker: 1 })).toEqual([]);
      expect(posts(on({ t: "tick" }))).toEqual([{ t: "barrier", epoch: 1, doneInputs: ["f.other"], final: false }]);
    });
  });
});

import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { Dataflow } from "../../src/dataflow/dataflow.js";
import { SimplePollingSource, type SimplePollingOptions } from "../../src/inputs/simplePolling.js";
import type { StatefulSourcePartition } from "../../src/inputs/source.js";
import { runMain, TestingSink } from "../../src/testing/index.js";
import { VirtualClock } from "../../src/testing/virtualClock.js";

const T0 = new Date("2024-01-01T00:00:10.000Z");

/** Returns the scripted results in order; a function entry is called. */
class Scripted extends SimplePollingSource<string, number> {
  calls = 0;
  resumedWith: number[] = [];
  constructor(
    readonly clock: VirtualClock,
    private readonly script: (string | undefined | null | (() => never) | Promise<string | undefined | null>)[],
    interval = 1000,
    options: SimplePollingOptions = {},
  ) {
    super(interval, options);
  }
  nextItem(): string | undefined | null | Promise<string | undefined | null> {
    const x = this.script[this.calls++];
    return typeof x === "function" ? x() : x;
  }
  override snapshot(): number {
    return this.calls;
  }
  override resume(state: number): void {
    this.resumedWith.push(state);
    this.calls = state;
  }
}

/** Build the partition as a run on `clock` would. */
function build<X, S>(src: SimplePollingSource<X, S> & { clock?: VirtualClock }, resume?: S, clock = src.clock): StatefulSourcePartition<X, S | undefined> {
  const context = clock === undefined ? undefined : { clock, worker: 0, workerCount: 1 };
  return src.buildPart("f.in", "singleton", resume, context) as StatefulSourcePartition<X, S | undefined>;
}

const at = (ms: number) => new Date(T0.getTime() + ms);
const retry = (ms: number) => (): never => {
  throw new SimplePollingSource.Retry(ms);
};

describe("SimplePollingSource", () => {
  it("has one partition and polls at first = now, then every interval without drift", async () => {
    const clock = new VirtualClock(T0.getTime());
    const src = new Scripted(clock, ["a", undefined, "b"], 1000);
    expect(src.listParts()).toEqual(["singleton"]);
    const part = build(src);
    expect(part.nextAwake?.()).toEqual(at(0));
    await clock.advance(37); // the poll runs late; the schedule does not drift
    expect(await part.nextBatch()).toEqual(["a"]);
    expect(part.nextAwake?.()).toEqual(at(1000));
    expect(await part.nextBatch()).toEqual([]);
    expect(part.nextAwake?.()).toEqual(at(2000));
    expect(await part.nextBatch()).toEqual(["b"]);
    expect(part.nextAwake?.()).toEqual(at(3000));
  });

  it("aligns the first poll to alignTo in the past", async () => {
    const clock = new VirtualClock(T0.getTime()); // 00:00:10.000
    const src = new Scripted(clock, [], 3000, { alignTo: new Date("2024-01-01T00:00:00.000Z") });
    // Aligned instants: ..., 00:00:09, 00:00:12, ... -> next is 00:00:12.
    expect(build(src).nextAwake?.()).toEqual(new Date("2024-01-01T00:00:12.000Z"));
  });

  it("polls at once when now is exactly on an aligned instant", async () => {
    const clock = new VirtualClock(T0.getTime());
    const src = new Scripted(clock, [], 5000, { alignTo: new Date("2024-01-01T00:00:00.000Z") });
    expect(build(src).nextAwake?.()).toEqual(T0);
    const future = new Scripted(clock, [], 5000, { alignTo: T0 });
    expect(build(future).nextAwake?.()).toEqual(T0);
  });

  it("aligns to alignTo in the future at the next aligned instant at or after now", async () => {
    const clock = new VirtualClock(T0.getTime()); // 00:00:10.000
    const src = new Scripted(clock, ["x"], 4000, { alignTo: new Date("2024-01-01T00:00:20.000Z") });
    // Aligned instants: 00:00:08, 00:00:12, 00:00:16, 00:00:20 ... -> 00:00:12.
    const part = build(src);
    expect(part.nextAwake?.()).toEqual(new Date("2024-01-01T00:00:12.000Z"));
    part.nextBatch();
    expect(part.nextAwake?.()).toEqual(new Date("2024-01-01T00:00:16.000Z"));
  });

  it("uses the clock at build time, not construction time", async () => {
    const clock = new VirtualClock(T0.getTime());
    const src = new Scripted(clock, [], 1000);
    await clock.advance(500);
    expect(build(src).nextAwake?.()).toEqual(at(500));
  });

  it("schedules the next poll retryMs after a Retry, then continues from there", async () => {
    const clock = new VirtualClock(T0.getTime());
    const src = new Scripted(clock, [retry(200), retry(0), "a"], 1000);
    const part = build(src);
    expect(part.nextBatch()).toEqual([]);
    expect(part.nextAwake?.()).toEqual(at(200));
    expect(part.nextBatch()).toEqual([]);
    expect(part.nextAwake?.()).toEqual(at(200));
    expect(part.nextBatch()).toEqual(["a"]);
    expect(part.nextAwake?.()).toEqual(at(1200));
  });

  it("ends the input when nextItem returns null", async () => {
    const src = new Scripted(new VirtualClock(T0.getTime()), ["a", null], 1000);
    const part = build(src);
    expect(part.nextBatch()).toEqual(["a"]);
    expect(part.nextBatch()).toBeNull();
  });

  it("propagates other errors from nextItem", async () => {
    const clock = new VirtualClock(T0.getTime());
    const boom = () => {
      throw new TypeError("boom");
    };
    expect(() => build(new Scripted(clock, [boom as () => never])).nextBatch()).toThrow(TypeError);
    const rejecting = new Scripted(clock, [Promise.reject(new Error("later"))]);
    await expect(build(rejecting).nextBatch()).rejects.toThrow("later");
  });

  it("works with an async nextItem, including Retry and null", async () => {
    const clock = new VirtualClock(T0.getTime());
    class AsyncSource extends SimplePollingSource<number> {
      private n = 0;
      async nextItem(): Promise<number | undefined | null> {
        await new Promise((r) => setImmediate(r));
        this.n++;
        if (this.n === 2) throw new SimplePollingSource.Retry(100);
        return this.n < 4 ? this.n : null;
      }
    }
    const part = build(new AsyncSource(1000), undefined, clock);
    expect(await part.nextBatch()).toEqual([1]);
    expect(part.nextAwake?.()).toEqual(at(1000));
    expect(await part.nextBatch()).toEqual([]);
    expect(part.nextAwake?.()).toEqual(at(1100));
    expect(await part.nextBatch()).toEqual([3]);
    expect(part.nextAwake?.()).toEqual(at(2100));
    expect(await part.nextBatch()).toBeNull();
    expect(part.snapshot()).toBeUndefined();
  });

  it("snapshots through snapshot() and calls resume(state) only when resuming", async () => {
    const clock = new VirtualClock(T0.getTime());
    const first = new Scripted(clock, ["a", "b", "c"]);
    const part = build(first);
    expect(part.nextBatch()).toEqual(["a"]);
    expect(part.nextBatch()).toEqual(["b"]);
    const state = part.snapshot();
    expect(state).toBe(2);
    expect(first.resumedWith).toEqual([]);

    const second = new Scripted(clock, ["a", "b", "c"]);
    const resumed = build(second, state);
    expect(second.resumedWith).toEqual([2]);
    expect(resumed.nextBatch()).toEqual(["c"]);
  });

  it("validates its arguments", async () => {
    const clock = new VirtualClock(T0.getTime());
    expect(() => new Scripted(clock, [], -5)).toThrow(/interval must be a finite number of ms >= 0; got -5/);
    expect(() => new Scripted(clock, [], -Number.MIN_VALUE)).toThrow(RangeError);
    expect(() => new Scripted(clock, [], Number.NaN)).toThrow(RangeError);
    expect(() => new Scripted(clock, [], Infinity)).toThrow(RangeError);
    expect(() => new Scripted(clock, [], 10, { alignTo: new Date("nope") })).toThrow(/alignTo/);
    expect(() => new Scripted(clock, [], 0, { alignTo: T0 })).toThrow("`alignTo` needs an interval > 0");
    expect(() => new SimplePollingSource.Retry(-1)).toThrow(RangeError);
    expect(() => new Scripted(clock, []).buildPart("f.in", "other", undefined)).toThrow(/singleton/);
  });

  it("exposes Retry as an Error with its timeout", async () => {
    const err = new SimplePollingSource.Retry(250);
    expect(err).toBeInstanceOf(Error);
    expect(err.timeoutMs).toBe(250);
  });

  it("with an interval of 0, is due again at once after every poll; a Retry counts from now", async () => {
    const clock = new VirtualClock(T0.getTime());
    const src = new Scripted(clock, ["a", undefined, retry(200), "b", "c"], 0);
    const part = build(src);
    expect(part.nextAwake?.()).toEqual(at(0));
    expect(part.nextBatch()).toEqual(["a"]);
    expect(part.nextAwake?.()).toEqual(at(0));
    await clock.advance(1000);
    expect(part.nextBatch()).toEqual([]);
    expect(part.nextAwake?.()).toEqual(at(0)); // in the past: polled again in the next round
    expect(part.nextBatch()).toEqual([]);
    expect(part.nextAwake?.()).toEqual(at(1200)); // 200 ms after the retry, not after the first poll
    await clock.advance(200);
    expect(part.nextBatch()).toEqual(["b"]);
    expect(part.nextAwake?.()).toEqual(at(1200));
    expect(part.nextBatch()).toEqual(["c"]);
  });

  it("with an interval of 0, runs in a real flow without starving the event loop", async () => {
    // Nothing to return until two other tasks of the event loop ran: a
    // setImmediate callback and a file read. A poller that blocked the event
    // loop would never see them, and the run would never end.
    const events: string[] = [];
    setImmediate(() => events.push("immediate"));
    void readFile(fileURLToPath(import.meta.url)).then(() => events.push("file read"));
    class UntilEvents extends SimplePollingSource<string> {
      polls = 0;
      private emitted = 0;
      constructor() {
        super(0);
      }
      nextItem(): string | undefined | null {
        this.polls++;
        if (events.length < 2) return undefined;
        return this.emitted < 3 ? `item ${this.emitted++}` : null;
      }
    }
    const source = new UntilEvents();
    const out: string[] = [];
    const flow = new Dataflow("fast");
    flow.input("in", source).output("out", new TestingSink(out));
    await runMain(flow, { epochInterval: 0 });
    expect(out).toEqual(["item 0", "item 1", "item 2"]);
    expect(events.sort()).toEqual(["file read", "immediate"]);
    expect(source.polls).toBeGreaterThan(4); // it polled, emptily, while waiting for them
  });
});

import { describe, expect, it } from "vitest";
import { Dataflow, op, StatefulBatchLogic, type LogicResult, type RunClock } from "../../../src/index.js";
import { runMain, TestingSink, TestingSource, TimeTestingGetter, VirtualClock } from "../../../src/testing/index.js";
import { runAdvancing, T_START } from "../../support/virtualTime.js";
import { runKeyed } from "./helpers.js";

const RETAIN = StatefulBatchLogic.RETAIN;
const DISCARD = StatefulBatchLogic.DISCARD;

/**
 * Arms its timer at `clock.get()` on every batch (a controlled clock: in the
 * past it fires at the next round, in the future never during the test);
 * `onNotify` emits "rang" and disarms.
 */
class ClockAlarm extends StatefulBatchLogic<string, string, null> {
  private at: Date | undefined;

  constructor(private readonly clock: TimeTestingGetter) {
    super();
  }

  onBatch(values: string[]): LogicResult<string> {
    this.at = this.clock.get();
    return [values.map((v) => `got ${v}`), RETAIN];
  }

  override onNotify(): LogicResult<string> {
    this.at = undefined;
    return [["rang"], RETAIN];
  }

  override notifyAt(): Date | undefined {
    return this.at;
  }

  snapshot(): null {
    return null;
  }
}

describe("statefulBatch timers", () => {
  it("fires a notification due in the past at the next round, before the next item", async () => {
    const clock = new TimeTestingGetter(new Date("2020-01-01T00:00:00Z"));
    const out = await runKeyed(
      [["a", "1"], ["b", "2"], ["a", "3"]],
      (s) => s.statefulBatch("sb", () => new ClockAlarm(clock)),
    );
    expect(out).toEqual([
      ["a", "got 1"],
      ["a", "rang"],
      ["b", "got 2"],
      ["b", "rang"],
      ["a", "got 3"],
      // Due before the source is polled again (and finds its end).
      ["a", "rang"],
    ]);
  });

  it("never fires a notification that is not due yet; onEof runs instead", async () => {
    const clock = new TimeTestingGetter(new Date("2999-01-01T00:00:00Z"));
    class EofAlarm extends ClockAlarm {
      override onEof(): LogicResult<string> {
        return [["eof"], DISCARD];
      }
    }
    const out = await runKeyed([["a", "1"], ["a", "2"]], (s) => s.statefulBatch("sb", () => new EofAlarm(clock)));
    expect(out).toEqual([
      ["a", "got 1"],
      ["a", "got 2"],
      ["a", "eof"],
    ]);
  });

  it("a later notifyAt replaces the earlier one (the clock moved into the past)", async () => {
    const clock = new TimeTestingGetter(new Date("2999-01-01T00:00:00Z"));
    const moveClock = (v: string): string => {
      if (v === "rewind") clock.advance(-1000 * 365 * 24 * 3600 * 1000);
      return v;
    };
    const out = await runKeyed(
      [["a", "1"], ["a", "rewind"], TestingSource.PAUSE(50), ["a", "3"]],
      (s) => s.mapValue("clock", moveClock).statefulBatch("sb", () => new ClockAlarm(clock)),
      { clock: new VirtualClock(T_START), advance: 50 },
    );
    expect(out).toEqual([
      ["a", "got 1"],
      ["a", "got rewind"],
      ["a", "rang"],
      ["a", "got 3"],
      ["a", "rang"],
    ]);
  });

  it("asks notifyAt again after onNotify: a timer can re-arm itself", async () => {
    const clock = new TimeTestingGetter(new Date("2020-01-01T00:00:00Z"));
    class ThreeRings extends StatefulBatchLogic<number, string, number> {
      private rings = 0;
      private left = 0;
      onBatch(values: number[]): LogicResult<string> {
        this.left = 3;
        return [values.map((v) => `got ${v}`), RETAIN];
      }
      override onNotify(): LogicResult<string> {
        this.rings++;
        this.left--;
        return [[`ring ${this.rings}`], RETAIN];
      }
      override notifyAt(): Date | undefined {
        return this.left > 0 ? clock.get() : undefined;
      }
      snapshot(): number {
        return this.rings;
      }
    }
    const out = await runKeyed(
      [["k", 1], TestingSource.PAUSE(200), ["k", 2]],
      (s) => s.statefulBatch("sb", () => new ThreeRings()),
      { clock: new VirtualClock(T_START), advance: 200 },
    );
    expect(out).toEqual([
      ["k", "got 1"],
      ["k", "ring 1"],
      ["k", "ring 2"],
      ["k", "ring 3"],
      ["k", "got 2"],
      // One more round fires ring 4; then the source ends and EOF stops the timers.
      ["k", "ring 4"],
    ]);
  });

  it("fires the notifications due in one round in sorted key order", async () => {
    // c is due first, a last; all are due by the next round.
    const due: Record<string, Date> = {
      a: new Date("2020-01-03T00:00:00Z"),
      b: new Date("2020-01-02T00:00:00Z"),
      c: new Date("2020-01-01T00:00:00Z"),
    };
    const order: string[] = [];
    class Due extends StatefulBatchLogic<string, string, null> {
      private at: Date | undefined;
      onBatch(values: string[]): LogicResult<string> {
        this.at = due[values[0]];
        return [[], RETAIN];
      }
      override onNotify(): LogicResult<string> {
        this.at = undefined;
        return [["rang"], RETAIN];
      }
      override notifyAt(): Date | undefined {
        return this.at;
      }
      snapshot(): null {
        return null;
      }
    }
    const out = await runKeyed(
      [["c", "c"], ["a", "a"], ["b", "b"], TestingSource.PAUSE(20), ["z", "z"]],
      (s) =>
        s.statefulBatch("sb", () => new Due()).inspect("order", (_id, [k]) => {
          order.push(k);
        }),
      { batchSize: 3, clock: new VirtualClock(T_START), advance: 20 },
    );
    expect(out).toEqual([
      ["a", "rang"],
      ["b", "rang"],
      ["c", "rang"],
    ]);
    expect(order).toEqual(["a", "b", "c"]);
  });

  it("fires on the run's clock while no input arrives, at its instant, before the item after the pause", async () => {
    const clock = new VirtualClock(T_START);
    /** What the logic saw, with the instant (ms from the start). */
    const seen: [string, number][] = [];
    class InHundredMs extends StatefulBatchLogic<number, string, null> {
      private at: Date | undefined;
      constructor(private readonly clock: RunClock) {
        super();
      }
      onBatch(values: number[]): LogicResult<string> {
        for (const v of values) seen.push([`got ${v}`, this.clock.now() - T_START]);
        if (values.includes(1)) this.at = new Date(this.clock.now() + 100);
        return [values.map((v) => `got ${v}`), RETAIN];
      }
      override onNotify(): LogicResult<string> {
        seen.push(["notified", this.clock.now() - T_START]);
        this.at = undefined;
        return [["notified"], RETAIN];
      }
      override notifyAt(): Date | undefined {
        return this.at;
      }
      snapshot(): null {
        return null;
      }
    }
    const out = await runKeyed(
      [["k", 1], TestingSource.PAUSE(300), ["k", 2]],
      (s) => s.statefulBatch("sb", (_resume: null | undefined, { clock }) => new InHundredMs(clock)),
      { clock, advance: 300 },
    );
    expect(out).toEqual([
      ["k", "got 1"],
      ["k", "notified"],
      ["k", "got 2"],
    ]);
    // Fired exactly 100 ms after it was armed, well before the pause ended.
    expect(seen).toEqual([
      ["got 1", 0],
      ["notified", 100],
      ["got 2", 300],
    ]);
  });

  it("due notifications fire before the next epoch's items even when input keeps coming", async () => {
    const clock = new TimeTestingGetter(new Date("2020-01-01T00:00:00Z"));
    // Several sources keep the executor busy: the timer still fires at the next round.
    const out: unknown[] = [];
    const flow = new Dataflow("f");
    const a = flow.input("a", new TestingSource<readonly [string, string]>([["x", "a1"], ["x", "a2"]]));
    const b = flow.input("b", new TestingSource<readonly [string, string]>([["y", "b1"], ["y", "b2"]]));
    op.merge("m", a, b).statefulBatch("sb", () => new ClockAlarm(clock)).output("out", new TestingSink(out));
    await runMain(flow);
    expect(out).toEqual([
      ["x", "got a1"],
      ["y", "got b1"],
      ["x", "rang"],
      ["y", "rang"],
      ["x", "got a2"],
      ["y", "got b2"],
      ["x", "rang"],
      ["y", "rang"],
    ]);
  });

  it("DISCARD drops the key's timer: a notifyAt set before the discard never fires", async () => {
    let notified = 0;
    const builds: unknown[] = [];
    class ArmThenDiscard extends StatefulBatchLogic<string, string, null> {
      private at: Date | undefined;
      constructor(private readonly clock: RunClock) {
        super();
      }
      onBatch(values: string[]): LogicResult<string> {
        for (const v of values) {
          if (v === "arm") this.at = new Date(this.clock.now() + 30);
          if (v === "discard") return [["discarded"], DISCARD];
        }
        return [values, RETAIN];
      }
      override onNotify(): LogicResult<string> {
        notified++;
        this.at = undefined;
        return [["notified"], RETAIN];
      }
      override notifyAt(): Date | undefined {
        return this.at;
      }
      snapshot(): null {
        return null;
      }
    }
    const out = await runKeyed(
      // The fresh logic built for "plain" never asked for a timer; the old one
      // must not reach it during the pause.
      [["a", "arm"], ["a", "discard"], ["a", "plain"], TestingSource.PAUSE(150), ["b", "end"]],
      (s) =>
        s.statefulBatch("sb", (resume: null | undefined, { clock }) => {
          builds.push(resume);
          return new ArmThenDiscard(clock);
        }),
      // Past the instant the discarded timer was due at (30 ms).
      { clock: new VirtualClock(T_START), advance: 150 },
    );
    expect(out).toEqual([
      ["a", "arm"],
      ["a", "discarded"],
      ["a", "plain"],
      ["b", "end"],
    ]);
    expect(notified).toBe(0);
    expect(builds).toEqual([undefined, undefined, undefined]);
  });

  it("a discarded key re-armed at the same instant fires once, on the new logic", async () => {
    const at = new Date("2020-01-01T00:00:00Z");
    const notified: number[] = [];
    let built = 0;
    class SameInstant extends StatefulBatchLogic<string, string, null> {
      private armed = true;
      constructor(private readonly id: number) {
        super();
      }
      onBatch(values: string[]): LogicResult<string> {
        return [values.map((v) => `${this.id}:${v}`), values.includes("discard") ? DISCARD : RETAIN];
      }
      override onNotify(): LogicResult<string> {
        notified.push(this.id);
        this.armed = false;
        return [[`${this.id}:rang`], RETAIN];
      }
      override notifyAt(): Date | undefined {
        return this.armed ? at : undefined;
      }
      snapshot(): null {
        return null;
      }
    }
    const out = await runKeyed(
      [["a", "discard"], ["a", "x"]],
      (s) => s.statefulBatch("sb", () => new SameInstant(built++)),
      { batchSize: 1 },
    );
    expect(out).toEqual([
      ["a", "0:discard"],
      ["a", "1:x"],
      ["a", "1:rang"],
    ]);
    expect(notified).toEqual([1]);
  });

  it("onEof runs for every key in sorted order, after all items, and emits the final state", async () => {
    class SumAtEof extends StatefulBatchLogic<number, string, number> {
      constructor(private sum = 0) {
        super();
      }
      onBatch(values: number[]): LogicResult<string> {
        for (const v of values) this.sum += v;
        return [[], RETAIN];
      }
      override onEof(): LogicResult<string> {
        return [[`sum ${this.sum}`], DISCARD];
      }
      snapshot(): number {
        return this.sum;
      }
    }
    const out = await runKeyed(
      [["m", 1], ["c", 2], TestingSource.PAUSE(10), ["x", 3], ["c", 4], ["a", 5], ["m", 6]],
      (s) => s.statefulBatch("sb", () => new SumAtEof()),
      { batchSize: 2, clock: new VirtualClock(T_START), advance: 10 },
    );
    expect(out).toEqual([
      ["a", "sum 5"],
      ["c", "sum 6"],
      ["m", "sum 7"],
      ["x", "sum 3"],
    ]);
  });

  it("onEof waits for every upstream input to end", async () => {
    class EofTag extends StatefulBatchLogic<string, string, null> {
      onBatch(values: string[]): LogicResult<string> {
        return [values, RETAIN];
      }
      override onEof(): LogicResult<string> {
        return [["eof"], RETAIN];
      }
      snapshot(): null {
        return null;
      }
    }
    const out: unknown[] = [];
    const flow = new Dataflow("f");
    const short = flow.input("short", new TestingSource<readonly [string, string]>([["s", "s1"]]));
    const long = flow.input(
      "long",
      new TestingSource<readonly [string, string]>([["l", "l1"], TestingSource.PAUSE(50), ["l", "l2"]]),
    );
    op.merge("m", short, long).statefulBatch("sb", () => new EofTag()).output("out", new TestingSink(out));
    await runAdvancing(flow, { clock: new VirtualClock(T_START), advance: 50 });
    expect(out).toEqual([
      ["s", "s1"],
      ["l", "l1"],
      ["l", "l2"],
      ["l", "eof"],
      ["s", "eof"],
    ]);
  });
});

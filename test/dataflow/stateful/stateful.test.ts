import { describe, expect, it } from "vitest";
import { op, StatefulLogic, type LogicResult } from "../../../src/index.js";
import { TestingSource, TimeTestingGetter, VirtualClock } from "../../../src/testing/index.js";
import { T_START } from "../../support/virtualTime.js";
import { failKeyed, runKeyed } from "./helpers.js";

const RETAIN = StatefulLogic.RETAIN;
const DISCARD = StatefulLogic.DISCARD;

/** Running sum per key; a `0` emits the sum and discards the key. */
class SumLogic extends StatefulLogic<number, string, number> {
  constructor(private sum = 0) {
    super();
  }

  onItem(v: number): LogicResult<string> {
    if (v === 0) return [[`end ${this.sum}`], DISCARD];
    this.sum += v;
    return [[`sum ${this.sum}`], RETAIN];
  }

  override onEof(): LogicResult<string> {
    return [[`eof ${this.sum}`], DISCARD];
  }

  snapshot(): number {
    return this.sum;
  }
}

describe("op.stateful", () => {
  it("takes the logic class as the builder: built with new SumLogic(resumeState, context)", async () => {
    const out = await runKeyed([["a", 1], ["a", 2], ["a", 0], ["a", 5]], (s) => s.stateful("sum", SumLogic));
    expect(out).toEqual([
      ["a", "sum 1"],
      ["a", "sum 3"],
      ["a", "end 3"],
      ["a", "sum 5"],
      ["a", "eof 5"],
    ]);
  });

  it("calls onItem once per value, in arrival order, per key", async () => {
    const items: number[] = [];
    class Spy extends SumLogic {
      override onItem(v: number): LogicResult<string> {
        items.push(v);
        return super.onItem(v);
      }
    }
    const out = await runKeyed(
      [["b", 1], ["a", 2], ["b", 3], ["a", 4]],
      (s) => s.stateful("st", () => new Spy()),
      { batchSize: 4 },
    );
    // Keys of the batch sorted, values of a key one by one in arrival order.
    expect(items).toEqual([2, 4, 1, 3]);
    expect(out).toEqual([
      ["a", "sum 2"],
      ["a", "sum 6"],
      ["b", "sum 1"],
      ["b", "sum 4"],
      ["a", "eof 6"],
      ["b", "eof 4"],
    ]);
  });

  it("DISCARD in the middle of a batch: the rest of the batch starts from a fresh logic", async () => {
    const builds: unknown[] = [];
    const out = await runKeyed(
      [["a", 1], ["a", 2], ["a", 0], ["a", 3], ["a", 4], ["a", 0], ["a", 0], ["a", 5]],
      (s) =>
        s.stateful("st", (resume: number | undefined) => {
          builds.push(resume);
          return new SumLogic(resume);
        }),
      { batchSize: 8 },
    );
    expect(out).toEqual([
      ["a", "sum 1"],
      ["a", "sum 3"],
      ["a", "end 3"],
      ["a", "sum 3"],
      ["a", "sum 7"],
      ["a", "end 7"],
      ["a", "end 0"],
      ["a", "sum 5"],
      ["a", "eof 5"],
    ]);
    expect(builds).toEqual([undefined, undefined, undefined, undefined]);
  });

  it("a DISCARD on the last value of a batch drops the key until its next value", async () => {
    const builds: unknown[] = [];
    const out = await runKeyed(
      [["a", 1], ["a", 0], ["b", 9], ["a", 2]],
      (s) =>
        s.stateful("st", (resume: number | undefined) => {
          builds.push(resume);
          return new SumLogic(resume);
        }),
      { batchSize: 2 },
    );
    expect(out).toEqual([
      ["a", "sum 1"],
      ["a", "end 1"],
      ["a", "sum 2"],
      ["b", "sum 9"],
      ["a", "eof 2"],
      ["b", "eof 9"],
    ]);
    expect(builds).toEqual([undefined, undefined, undefined]);
  });

  it("calls onNotify when notifyAt has passed, and asks notifyAt again", async () => {
    const clock = new TimeTestingGetter(new Date("2020-01-01T00:00:00Z"));
    class Alarm extends StatefulLogic<string, string, null> {
      private armed = false;
      onItem(v: string): LogicResult<string> {
        this.armed = true;
        return [[v], RETAIN];
      }
      override onNotify(): LogicResult<string> {
        this.armed = false;
        return [["rang"], RETAIN];
      }
      override notifyAt(): Date | undefined {
        return this.armed ? clock.get() : undefined;
      }
      snapshot(): null {
        return null;
      }
    }
    const out = await runKeyed(
      [["a", "x"], TestingSource.PAUSE(30), ["a", "y"], ["a", "z"]],
      (s) => s.stateful("st", () => new Alarm()),
      { clock: new VirtualClock(T_START), advance: 30 },
    );
    expect(out).toEqual([
      ["a", "x"],
      ["a", "rang"],
      ["a", "y"],
      ["a", "rang"],
      ["a", "z"],
      ["a", "rang"],
    ]);
  });

  it("is the same in op form", async () => {
    const out = await runKeyed([["k", 5], ["k", 0]], (s) => op.stateful("st", s, () => new SumLogic()));
    expect(out).toEqual([
      ["k", "sum 5"],
      ["k", "end 5"],
    ]);
  });

  describe("errors", () => {
    it("onItem returning a bad shape is a StepError naming the step and the key", async () => {
      class Bad extends StatefulLogic<number, string, null> {
        onItem(): LogicResult<string> {
          return ["oops", "no"] as unknown as LogicResult<string>;
        }
        snapshot(): null {
          return null;
        }
      }
      await failKeyed([["k1", 1]], (s) => s.stateful("st", () => new Bad()), {
        stepId: "f.st",
        key: "k1",
        message: ["error calling `onItem` in step 'f.st' for key 'k1'", "must return [iterableOfValues, discard: boolean]"],
        cause: TypeError,
      });
    });

    it("a throwing onItem is a StepError with the cause, naming the user's step", async () => {
      const boom = new Error("item failed");
      class Throws extends SumLogic {
        override onItem(v: number): LogicResult<string> {
          if (v === 2) throw boom;
          return super.onItem(v);
        }
      }
      const err = await failKeyed([["a", 1], ["b", 2]], (s) => s.stateful("st", () => new Throws()), {
        stepId: "f.st",
        key: "b",
        message: "error calling `onItem` in step 'f.st' for key 'b': item failed",
      });
      expect(err.cause).toBe(boom);
    });

    it("a builder not returning a StatefulLogic is a StepError naming the key", async () => {
      await failKeyed(
        [["a", 1]],
        (s) => s.stateful("st", () => 42 as unknown as SumLogic),
        { stepId: "f.st", key: "a", message: ["error calling `builder`", "must return a StatefulLogic; got number"], cause: TypeError },
      );
    });

    it("onEof returning a bad shape is a StepError naming onEof and the key", async () => {
      class BadEof extends SumLogic {
        override onEof(): LogicResult<string> {
          return [undefined, true] as unknown as LogicResult<string>;
        }
      }
      await failKeyed([["e", 1]], (s) => s.stateful("st", () => new BadEof()), {
        stepId: "f.st",
        key: "e",
        message: ["error calling `onEof` in step 'f.st' for key 'e'", "`onEof` must return"],
        cause: TypeError,
      });
    });
  });
});

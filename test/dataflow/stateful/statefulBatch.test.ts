import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  Dataflow,
  initDbDir,
  op,
  RecoveryConfig,
  StatefulBatchLogic,
  type KeyedStream,
  type LogicResult,
  type RunContext,
  type StepError,
} from "../../../src/index.js";
import { runMain, TestingSink, TestingSource } from "../../../src/testing/index.js";
import { runFailing } from "../helpers.js";
import { expectKeyedError, failKeyed, runKeyed } from "./helpers.js";

/** Emits each batch it gets, as an array, and keeps a running total. */
class BatchEcho extends StatefulBatchLogic<number, number[], number> {
  constructor(private total = 0) {
    super();
  }

  onBatch(values: number[]): LogicResult<number[]> {
    for (const v of values) this.total += v;
    return [[values], StatefulBatchLogic.RETAIN];
  }

  override onEof(): LogicResult<number[]> {
    return [[[this.total]], StatefulBatchLogic.RETAIN];
  }

  snapshot(): number {
    return this.total;
  }
}

/** Sums a key's values; `0` emits the sum and discards the key. */
class SumUntilZero extends StatefulBatchLogic<number, string, number> {
  constructor(private sum: number) {
    super();
  }

  onBatch(values: number[]): LogicResult<string> {
    const out: string[] = [];
    for (const v of values) {
      if (v === 0) return [[...out, `end ${this.sum}`], StatefulBatchLogic.DISCARD];
      this.sum += v;
      out.push(`sum ${this.sum}`);
    }
    return [out, StatefulBatchLogic.RETAIN];
  }

  snapshot(): number {
    return this.sum;
  }
}

describe("op.statefulBatch", () => {
  it("routes values by key: each key keeps its own state across batches", async () => {
    const builds: unknown[] = [];
    const out = await runKeyed(
      [["a", 1], ["b", 10], ["a", 2], ["b", 20], ["a", 3]],
      (s) =>
        s.statefulBatch("sb", (resume: number | undefined) => {
          builds.push(resume);
          return new SumUntilZero(resume ?? 0);
        }),
      { batchSize: 2 },
    );
    expect(out).toEqual([
      ["a", "sum 1"],
      ["b", "sum 10"],
      ["a", "sum 3"],
      ["b", "sum 30"],
      ["a", "sum 6"],
    ]);
    // One build per key, each with `undefined` (first sight), never again for a known key.
    expect(builds).toEqual([undefined, undefined]);
  });

  it("processes the keys of a batch in sorted order, values of a key in arrival order", async () => {
    const calls: number[][] = [];
    const out = await runKeyed(
      [["b", 1], ["a", 2], ["c", 3], ["a", 4], ["b", 5], ["a", 6]],
      (s) =>
        s.statefulBatch("sb", () => {
          const logic = new BatchEcho();
          const onBatch = logic.onBatch.bind(logic);
          logic.onBatch = (values) => {
            calls.push([...values]);
            return onBatch(values);
          };
          return logic;
        }),
      { batchSize: 6 },
    );
    // One call per key, with all its values of the batch.
    expect(calls).toEqual([[2, 4, 6], [1, 5], [3]]);
    expect(out).toEqual([
      ["a", [2, 4, 6]],
      ["b", [1, 5]],
      ["c", [3]],
      // EOF: the totals, keys sorted.
      ["a", [12]],
      ["b", [6]],
      ["c", [3]],
    ]);
  });

  it("sorts keys by UTF-16 code units, not by locale or code point", async () => {
    const keys = ["é", "a", "\u{1F600}", "Z", "_", "B", "\uFB00"];
    const out = await runKeyed(
      keys.map((k, i) => [k, i] as const),
      (s) => s.statefulBatch("sb", () => new BatchEcho()),
      { batchSize: keys.length },
    );
    const firstBatch = out.slice(0, keys.length).map(([k]) => k);
    // "\u{1F600}" is the surrogate pair D83D DE00: before U+FB00 in UTF-16 order (after it by code point).
    expect(firstBatch).toEqual(["B", "Z", "_", "a", "é", "\u{1F600}", "\uFB00"]);
  });

  it("calls the builder with undefined on a key's first sight only", async () => {
    const builds: [number, unknown][] = [];
    let n = 0;
    await runKeyed(
      [["x", 1], ["y", 2], ["x", 3], ["y", 4], ["z", 5]],
      (s) =>
        s.statefulBatch("sb", (resume: number | undefined) => {
          builds.push([n++, resume]);
          return new BatchEcho(resume);
        }),
      { batchSize: 1 },
    );
    expect(builds).toEqual([
      [0, undefined],
      [1, undefined],
      [2, undefined],
    ]);
  });

  it("after DISCARD the same key starts fresh: the builder is called again with undefined", async () => {
    const builds: unknown[] = [];
    const out = await runKeyed(
      [["a", 1], ["a", 2], ["a", 0], ["b", 7], ["a", 5], ["a", 0], ["a", 4]],
      (s) =>
        s.statefulBatch("sb", (resume: number | undefined) => {
          builds.push(resume);
          return new SumUntilZero(resume ?? 0);
        }),
    );
    expect(out).toEqual([
      ["a", "sum 1"],
      ["a", "sum 3"],
      ["a", "end 3"],
      ["b", "sum 7"],
      ["a", "sum 5"],
      ["a", "end 5"],
      ["a", "sum 4"],
    ]);
    expect(builds).toEqual([undefined, undefined, undefined, undefined]);
  });

  it("takes the logic class as the builder: new Logic(resumeState, context), resumed from its snapshot", async () => {
    const builds: [unknown, boolean][] = [];
    /** A running total whose constructor takes the snapshot and the run's context. */
    class Total extends StatefulBatchLogic<number, number, { total: number }> {
      private total: number;
      constructor(resume: { total: number } | undefined, context: RunContext) {
        super();
        builds.push([resume, typeof context.clock.now() === "number"]);
        this.total = resume?.total ?? 0;
      }
      onBatch(values: number[]): LogicResult<number> {
        for (const v of values) this.total += v;
        return [[this.total], StatefulBatchLogic.RETAIN];
      }
      snapshot(): { total: number } {
        return { total: this.total };
      }
    }
    const dir = mkdtempSync(join(tmpdir(), "sluice-sb-"));
    initDbDir(dir, 1);
    const items = [["a", 1], ["a", 2], TestingSource.EOF(), ["a", 10]] as const;
    const run = async (): Promise<unknown[]> => {
      const out: unknown[] = [];
      const flow = new Dataflow("f");
      flow.input("in", new TestingSource<readonly [string, number]>(items)).statefulBatch("total", Total).output("out", new TestingSink(out));
      await runMain(flow, { recovery: new RecoveryConfig(dir) });
      return out;
    };
    expect(await run()).toEqual([["a", 1], ["a", 3]]);
    // The run after EOF rebuilds the key from its snapshot, with the class.
    expect(await run()).toEqual([["a", 13]]);
    expect(builds).toEqual([
      [undefined, true],
      [{ total: 3 }, true],
    ]);
  });

  it("the op form and the method are the same step", async () => {
    const out: unknown[] = [];
    const flow = new Dataflow("f");
    const src = flow.input("in", new TestingSource<readonly [string, number]>([["k", 1], ["k", 2]]));
    op.output("out", op.statefulBatch("sb", src, () => new BatchEcho()), new TestingSink(out));
    await runMain(flow);
    expect(out).toEqual([
      ["k", [1]],
      ["k", [2]],
      ["k", [3]],
    ]);
    expect(flow.substeps.map((s) => [s.stepId, s.opType])).toContainEqual(["f.sb", "statefulBatch"]);
  });

  it("emits every value of any iterable the logic returns (generators included)", async () => {
    class Gen extends StatefulBatchLogic<number, number, null> {
      onBatch(values: number[]): LogicResult<number> {
        function* twice(): Generator<number> {
          for (const v of values) {
            yield v;
            yield v * 10;
          }
        }
        return [twice(), StatefulBatchLogic.RETAIN];
      }
      snapshot(): null {
        return null;
      }
    }
    const out = await runKeyed([["a", 1], ["b", 2]], (s) => s.statefulBatch("sb", () => new Gen()), { batchSize: 2 });
    expect(out).toEqual([
      ["a", 1],
      ["a", 10],
      ["b", 2],
      ["b", 20],
    ]);
  });

  it.each([0, 10_000])("calls keys in sorted order in every batch, as keys come, go and come back (epochInterval %d)", async (epochInterval) => {
    // Batches of 40 items over a pool of keys that grows, with discards, so
    // the step switches between sorting by string and by cached rank. Each
    // value is its key, and "!" to discard it.
    let seed = 11;
    const next = (): number => (seed = (seed * 1103515245 + 12345) >>> 0);
    const items: (readonly [string, string])[] = [];
    for (let b = 0; b < 60; b++) {
      const pool = b < 20 ? 30 : b < 40 ? 30 + (b - 20) : 50;
      for (let i = 0; i < 40; i++) {
        const key = `k${next() % pool}`;
        items.push([key, next() % 7 === 0 ? `${key}!` : key]);
      }
    }
    const calls: string[] = [];
    class Recorder extends StatefulBatchLogic<string, never, number> {
      onBatch(values: string[]): LogicResult<never> {
        calls.push(`${values[0].replace("!", "")}: ${values.join(" ")}`);
        return [[], values.some((v) => v.endsWith("!")) ? StatefulBatchLogic.DISCARD : StatefulBatchLogic.RETAIN];
      }
      snapshot(): number {
        return 0;
      }
    }
    const flow = new Dataflow("f");
    flow.input("in", new TestingSource(items, 40)).statefulBatch("sb", () => new Recorder()).output("out", new TestingSink([]));
    await runMain(flow, { epochInterval });
    const expected: string[] = [];
    for (let b = 0; b < 60; b++) {
      // Each key once per batch, keys sorted, with all its values of the batch in arrival order.
      const batch = items.slice(b * 40, b * 40 + 40);
      for (const key of [...new Set(batch.map((kv) => kv[0]))].sort()) {
        expected.push(`${key}: ${batch.filter((kv) => kv[0] === key).map((kv) => kv[1]).join(" ")}`);
      }
    }
    expect(calls).toEqual(expected);
  });

  describe("errors", () => {
    const badItem = async (item: unknown): Promise<StepError> => {
      const flow = new Dataflow("f");
      const src = flow.input("in", new TestingSource<unknown>([["ok", 1], item])) as unknown as KeyedStream<number>;
      src.statefulBatch("sb", () => new BatchEcho()).output("out", new TestingSink([]));
      return expectKeyedError(await runFailing(flow), {
        stepId: "f.sb",
        key: undefined,
        message: ["in step 'f.sb'", "[key, value] items with a string key"],
        cause: TypeError,
      });
    };

    it("a non-string key is a StepError with a TypeError cause naming the step", async () => {
      await badItem([42, 1]);
    });

    it("a non-pair item is a StepError with a TypeError cause naming the step", async () => {
      await badItem("just a string");
    });

    it("a triple is not a [key, value] pair", async () => {
      await badItem(["k", 1, 2]);
    });

    it("the bad-item message does not name an empty function (\"error calling ``\")", async () => {
      const err = await badItem([42, 1]);
      expect(err.message).not.toContain("``");
      expect(err.message).toMatch(/^error calling `\w+` in step 'f\.sb'/);
    });

    const badShapes: [string, unknown][] = [
      ["undefined", undefined],
      ["a bare array of values", [1, 2]],
      ["a non-boolean discard flag", [[1], 0]],
      ["a non-iterable first element", [1, false]],
      ["null values", [null, false]],
      ["a triple", [[1], false, true]],
    ];
    it.each(badShapes)("onBatch returning %s is a StepError naming the step and the key", async (_name, result) => {
      class Bad extends StatefulBatchLogic<number, number, null> {
        onBatch(): LogicResult<number> {
          return result as LogicResult<number>;
        }
        snapshot(): null {
          return null;
        }
      }
      await failKeyed(
        [["good", 1], ["bad", 2]],
        (s) => s.statefulBatch("sb", () => (new Bad() as unknown as StatefulBatchLogic<number, number, null>)),
        {
          stepId: "f.sb",
          key: "good",
          message: ["error calling `onBatch` in step 'f.sb' for key 'good'", "must return [iterableOfValues, discard: boolean]"],
          cause: TypeError,
        },
      );
    });

    it("a throwing onBatch keeps the cause and names the key", async () => {
      const boom = new RangeError("no negatives");
      class Picky extends BatchEcho {
        override onBatch(values: number[]): LogicResult<number[]> {
          if (values.some((v) => v < 0)) throw boom;
          return super.onBatch(values);
        }
      }
      const err = await failKeyed([["a", 1], ["b", -1]], (s) => s.statefulBatch("sb", () => new Picky()), {
        stepId: "f.sb",
        key: "b",
        message: "error calling `onBatch` in step 'f.sb' for key 'b': RangeError: no negatives",
      });
      expect(err.cause).toBe(boom);
    });

    it("a builder that does not return a logic is a StepError naming the key", async () => {
      await failKeyed(
        [["a", 1]],
        (s) => s.statefulBatch("sb", () => ({}) as unknown as BatchEcho),
        { stepId: "f.sb", key: "a", message: ["error calling `builder`", "must return a StatefulBatchLogic"], cause: TypeError },
      );
    });

    it("a duck-typed logic (the methods, but not a StatefulBatchLogic) is a StepError saying what a logic is", async () => {
      const duck = { onBatch: (vs: number[]) => [vs, false], snapshot: () => 0 };
      await failKeyed(
        [["a", 1]],
        (s) => s.statefulBatch("sb", () => duck as unknown as BatchEcho),
        {
          stepId: "f.sb",
          key: "a",
          message: ["error calling `builder`", "must return a StatefulBatchLogic; got object", "an instance of a class extending StatefulBatchLogic"],
          cause: TypeError,
        },
      );
    });

    it("a throwing builder is a StepError naming the key", async () => {
      const boom = new Error("cannot build");
      const err = await failKeyed(
        [["a", 1]],
        (s) =>
          s.statefulBatch("sb", (): BatchEcho => {
            throw boom;
          }),
        { stepId: "f.sb", key: "a", message: "error calling `builder` in step 'f.sb' for key 'a': cannot build" },
      );
      expect(err.cause).toBe(boom);
    });

    it("notifyAt returning something other than a Date is a StepError naming the key", async () => {
      class BadTimer extends BatchEcho {
        override notifyAt(): Date | undefined {
          return 123 as unknown as Date;
        }
      }
      await failKeyed([["t", 1]], (s) => s.statefulBatch("sb", () => new BadTimer()), {
        stepId: "f.sb",
        key: "t",
        message: ["error calling `notifyAt` in step 'f.sb' for key 't'", "valid Date or undefined"],
        cause: TypeError,
      });
    });

    it("notifyAt returning an invalid Date is a StepError", async () => {
      class NaNTimer extends BatchEcho {
        override notifyAt(): Date | undefined {
          return new Date(Number.NaN);
        }
      }
      await failKeyed([["t", 1]], (s) => s.statefulBatch("sb", () => new NaNTimer()), {
        stepId: "f.sb",
        key: "t",
        message: "error calling `notifyAt`",
        cause: TypeError,
      });
    });

    it("a throwing onEof is a StepError naming the key", async () => {
      class BadEof extends BatchEcho {
        override onEof(): LogicResult<number[]> {
          throw new Error("eof failed");
        }
      }
      await failKeyed([["a", 1], ["b", 2]], (s) => s.statefulBatch("sb", () => new BadEof()), {
        stepId: "f.sb",
        key: "a",
        message: "error calling `onEof` in step 'f.sb' for key 'a': eof failed",
      });
    });
  });
});

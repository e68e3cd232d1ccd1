// How the state type of statefulBatch, stateful and win.window is inferred.
//
// TypeScript types an arrow function's parameters before it looks at what
// the function returns, so in `(resume) => new SumLogic(resume ?? 0)` it
// cannot take the state type from SumLogic: `resume` is `unknown`. A builder
// given as the logic class itself has no parameters to type first, so the
// state type (and the emitted type) come from the class.
import { describe, expectTypeOf, it } from "vitest";
import {
  Dataflow,
  op,
  StatefulBatchLogic,
  StatefulLogic,
  win,
  type KeyedStream,
  type LogicResult,
  type RunContext,
  type StatefulBatchBuilder,
} from "../../src/index.js";
import { TestingSource } from "../../src/testing/index.js";

interface Totals {
  sum: number;
  last: number;
}

/** Sums values; its constructor takes the snapshot and the run's context. */
class QuietSum extends StatefulBatchLogic<number, number, Totals> {
  private readonly totals: Totals;
  constructor(
    resume: Totals | undefined,
    private readonly context: RunContext,
  ) {
    super();
    this.totals = resume ?? { sum: 0, last: 0 };
  }
  onBatch(values: number[]): LogicResult<number> {
    for (const v of values) this.totals.sum += v;
    this.totals.last = this.context.clock.now();
    return [[], StatefulBatchLogic.RETAIN];
  }
  snapshot(): Totals {
    return { ...this.totals };
  }
}

/** A per-item count whose constructor takes only the snapshot. */
class Count extends StatefulLogic<string, string, number> {
  constructor(private n = 0) {
    super();
  }
  onItem(v: string): LogicResult<string> {
    this.n++;
    return [[`${v} ${this.n}`], StatefulLogic.RETAIN];
  }
  snapshot(): number {
    return this.n;
  }
}

class SumWindow extends win.WindowLogic<number, number, number> {
  constructor(private sum = 0) {
    super();
  }
  onValue(v: number): number[] {
    this.sum += v;
    return [];
  }
  onMerge(original: SumWindow): number[] {
    this.sum += original.sum;
    return [];
  }
  onClose(): number[] {
    return [this.sum];
  }
  snapshot(): number {
    return this.sum;
  }
}

const flow = new Dataflow("f");
const nums: KeyedStream<number> = flow.input("n", new TestingSource<readonly [string, number]>([]));
const strs: KeyedStream<string> = flow.input("s", new TestingSource<readonly [string, string]>([]));
const clock = new win.SystemClock();
const windower = new win.TumblingWindower(10);

describe("a logic class as the builder", () => {
  it("infers the emitted and state types of statefulBatch from the class", () => {
    expectTypeOf(nums.statefulBatch("q", QuietSum)).toEqualTypeOf<KeyedStream<number>>();
    expectTypeOf(op.statefulBatch("q", nums, QuietSum)).toEqualTypeOf<KeyedStream<number>>();
    expectTypeOf(QuietSum).toExtend<StatefulBatchBuilder<number, number, Totals>>();
  });

  it("infers them for stateful and win.window", () => {
    expectTypeOf(strs.stateful("c", Count)).toEqualTypeOf<KeyedStream<string>>();
    expectTypeOf(op.stateful("c", strs, Count)).toEqualTypeOf<KeyedStream<string>>();
    expectTypeOf(nums.window("w", clock, windower, SumWindow).down).toEqualTypeOf<KeyedStream<readonly [number, number]>>();
    expectTypeOf(win.window("w", nums, clock, windower, SumWindow).down).toEqualTypeOf<KeyedStream<readonly [number, number]>>();
  });

  it("is checked against the stream's value type", () => {
    // @ts-expect-error: QuietSum takes numbers, strs has strings
    strs.statefulBatch("q", QuietSum);
    // @ts-expect-error: Count takes strings, nums has numbers
    nums.stateful("c", Count);
  });

  it("must take the snapshot as its first constructor argument", () => {
    class TakesAString extends StatefulBatchLogic<number, number, number> {
      constructor(readonly label: string) {
        super();
      }
      onBatch(): LogicResult<number> {
        return [[], false];
      }
      snapshot(): number {
        return 0;
      }
    }
    // @ts-expect-error: its constructor would get the resume state (a number or undefined) as `label`
    nums.statefulBatch("t", TakesAString);
  });
});

describe("a function as the builder", () => {
  it("infers the state type from an annotated resume parameter", () => {
    expectTypeOf(nums.statefulBatch("q", (resume: Totals | undefined, context) => new QuietSum(resume, context))).toEqualTypeOf<KeyedStream<number>>();
    expectTypeOf(strs.stateful("c", (resume: number | undefined) => new Count(resume))).toEqualTypeOf<KeyedStream<string>>();
    expectTypeOf(nums.window("w", clock, windower, (resume: number | undefined) => new SumWindow(resume ?? 0)).down).toEqualTypeOf<
      KeyedStream<readonly [number, number]>
    >();
  });

  it("types the context parameter without an annotation", () => {
    nums.statefulBatch("q", (resume: Totals | undefined, context) => {
      expectTypeOf(context).toEqualTypeOf<RunContext>();
      return new QuietSum(resume, context);
    });
  });

  it("cannot infer the state type from what it returns: an unannotated resume is unknown", () => {
    nums.statefulBatch("q", (resume, context) => {
      expectTypeOf(resume).toBeUnknown();
      return new QuietSum(resume as Totals | undefined, context);
    });
  });
});

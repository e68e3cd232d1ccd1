// Chains of per-item steps run as one compiled loop: same items, same order,
// same errors naming the step, as when each step runs on its own.
import { describe, expect, it } from "vitest";
import { Dataflow, StepError, type Stream } from "../../src/index.js";
import { runMain, TestingSink, TestingSource } from "../../src/testing/index.js";
import { fuseStages, StageFailure } from "../../src/run/internal/fuse.js";

async function failure(flow: Dataflow): Promise<StepError> {
  const err = await runMain(flow).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(StepError);
  return err as StepError;
}

describe("fused chains of per-item steps", () => {
  it("give the items of the steps run one by one, in order", async () => {
    const out: (readonly [string, number])[] = [];
    const flow = new Dataflow("f");
    flow
      .input("in", new TestingSource([1, 2, 3, 4, 5, 6, 7, 8], 3))
      .map("double", (x) => x * 2)
      .filter("not_8", (x) => x !== 8)
      // A non-array iterable, an empty one, and several items per input.
      .flatMap("spread", (x) => (x % 4 === 0 ? new Set([x, x + 1]) : x === 6 ? [] : [x]))
      .filterMap("odd_gone", (x) => (x % 2 === 1 ? undefined : x))
      .keyOn("key", (x) => `k${x % 3}`)
      .mapValue("plus", (x) => x + 0.5)
      .output("out", new TestingSink(out));
    await runMain(flow);
    const expected = [2, 4, 6, 8, 10, 12, 14, 16]
      .filter((x) => x !== 8)
      .flatMap((x) => (x % 4 === 0 ? [x, x + 1] : x === 6 ? [] : [x]))
      .filter((x) => x % 2 === 0)
      .map((x) => [`k${x % 3}`, x + 0.5] as const);
    expect(out).toEqual(expected);
  });

  it("fan out to several consumers with their own arrays", async () => {
    const a: number[] = [];
    const b: number[] = [];
    const flow = new Dataflow("fan");
    const s = flow.input("in", new TestingSource([1, 2, 3])).map("m", (x) => x + 1);
    s.map("a", (x) => x * 10).output("out_a", new TestingSink(a));
    s.filter("b", (x) => x > 2).map("b2", (x) => -x).output("out_b", new TestingSink(b));
    await runMain(flow);
    expect(a).toEqual([20, 30, 40]);
    expect(b).toEqual([-3, -4]);
  });

  it("name the step whose function threw, with its cause", async () => {
    const flow = new Dataflow("err");
    flow
      .input("in", new TestingSource([1, 2, 3]))
      .map("first", (x) => x)
      .map("second", (x) => {
        if (x === 2) throw new RangeError("two is bad");
        return x;
      })
      .filter("third", () => true)
      .output("out", new TestingSink([]));
    const err = await failure(flow);
    expect(err.stepId).toBe("err.second");
    expect(err.message).toContain("error calling `mapper` in step 'err.second'");
    expect(err.cause).toBeInstanceOf(RangeError);
  });

  it("report a filter predicate that returns no boolean, a flatMap mapper that returns no iterable, a key that is no string", async () => {
    const cases: [string, (s: Stream<number>) => Stream<unknown>, string][] = [
      ["p", (s) => s.filter("bad", (() => 1) as unknown as (x: number) => boolean), "`filter` predicate must return a boolean; got number"],
      ["q", (s) => s.flatMap("bad", (() => 5) as unknown as (x: number) => number[]), "`flatMap` mapper must return an iterable; got number"],
      ["r", (s) => s.keyOn("bad", (() => 7) as unknown as (x: number) => string), "`keyOn` key function must return a string; got number"],
    ];
    for (const [flowId, bad, message] of cases) {
      const flow = new Dataflow(flowId);
      bad(flow.input("in", new TestingSource([1])).map("m", (x) => x)).output("out", new TestingSink([]));
      const err = await failure(flow);
      expect(err.stepId).toBe(`${flowId}.bad`);
      expect(err.message).toContain(message);
    }
  });

  it("name the key of the item a keyed step failed on, inside a chain, and no key for steps that are not keyed", async () => {
    // keyOn -> flatMap -> mapValue -> map run as one loop: the mapValue input is made in the loop.
    const keyedFlow = (failIn: "mv" | "after"): Dataflow => {
      const flow = new Dataflow("k");
      flow
        .input("in", new TestingSource(["a1", "b2", "c3"], 3))
        .keyOn("key", (s) => s[0]!)
        .flatMap("twice", (kv) => [kv, kv])
        .mapValue("mv", (s) => {
          if (failIn === "mv" && s === "b2") throw new Error("no b");
          return s;
        })
        .map("after", (kv) => {
          if (failIn === "after" && kv[0] === "c") throw new Error("no c");
          return kv;
        })
        .output("out", new TestingSink([]));
      return flow;
    };
    const inMapValue = await failure(keyedFlow("mv"));
    expect(inMapValue.stepId).toBe("k.mv");
    expect(inMapValue.key).toBe("b");
    expect(inMapValue.message).toBe("error calling `mapper` in step 'k.mv' for key 'b': no b");
    // A plain map after a keyed step: its items are pairs too, but a map names no key.
    const inMap = await failure(keyedFlow("after"));
    expect(inMap.stepId).toBe("k.after");
    expect(inMap.key).toBeUndefined();
    expect(inMap.message).toBe("error calling `mapper` in step 'k.after': no c");
  });

  it("compile one loop per chain shape and keep each chain's functions apart", () => {
    const double = fuseStages([
      { kind: "map", fn: (x: number) => x * 2 },
      { kind: "filter", fn: (x: number) => x > 2 },
    ] as never);
    const negate = fuseStages([
      { kind: "map", fn: (x: number) => -x },
      { kind: "filter", fn: (x: number) => x < 0 },
    ] as never);
    expect(double([1, 2, 3])).toEqual([4, 6]);
    expect(negate([1, 2, 3])).toEqual([-1, -2, -3]);
    const failing = fuseStages([
      { kind: "map", fn: (x: number) => x },
      { kind: "map", fn: () => { throw new Error("boom"); } },
    ] as never);
    const thrown = (() => {
      try {
        failing([1]);
      } catch (e) {
        return e;
      }
    })();
    expect(thrown).toBeInstanceOf(StageFailure);
    expect(thrown).toMatchObject({ stage: 1 });
  });
});

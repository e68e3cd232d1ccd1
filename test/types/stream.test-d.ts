import { describe, expectTypeOf, it } from "vitest";
import {
  Dataflow,
  DynamicSink,
  FixedPartitionedSink,
  op,
  StatefulSinkPartition,
  Stream,
  type KeyedStream,
} from "../../src/index.js";
import { TestingSink, TestingSource } from "../../src/testing/index.js";

class NumberPartition extends StatefulSinkPartition<number, null> {
  writeBatch(_values: number[]): void {}
  snapshot(): null {
    return null;
  }
}

class NumberFixedSink extends FixedPartitionedSink<number, null> {
  listParts(): string[] {
    return ["one"];
  }
  buildPart(): NumberPartition {
    return new NumberPartition();
  }
}

const flow = new Dataflow("f");
const nums = flow.input("in", new TestingSource([1, 2]));
const strs = flow.input("s", new TestingSource(["a"]));
const keyedNums = nums.keyOn("kn", (n) => String(n));
const mixed = flow.input("mixed", new TestingSource<number | string>([1, "a"]));

describe("inference through the builder", () => {
  it("input, map and keyOn infer every type", () => {
    expectTypeOf(nums).toEqualTypeOf<Stream<number>>();
    const keyed = flow.input("in2", new TestingSource([1, 2])).map("m", (x) => String(x)).keyOn("k", (s) => s);
    expectTypeOf(keyed).toEqualTypeOf<KeyedStream<string>>();
    expectTypeOf(keyed).toEqualTypeOf<Stream<readonly [string, string]>>();
  });

  it("flatMapBatch, mapAsync, flatMap and filterMap carry the new item type", () => {
    expectTypeOf(nums.flatMapBatch("b", (xs) => xs.map(String))).toEqualTypeOf<Stream<string>>();
    expectTypeOf(nums.flatMapBatch("ab", async (xs) => new Set(xs.map((x) => x > 1)))).toEqualTypeOf<Stream<boolean>>();
    expectTypeOf(nums.mapAsync("a", async (x) => ({ x }))).toEqualTypeOf<Stream<{ x: number }>>();
    expectTypeOf(strs.flatMap("fm", (s) => s.split(""))).toEqualTypeOf<Stream<string>>();
    expectTypeOf(
      nums.flatMap("gen", function* (n) {
        yield [n];
      }),
    ).toEqualTypeOf<Stream<number[]>>();
  });

  it("filterMap drops undefined from the type", () => {
    expectTypeOf(nums.filterMap("fm", (x) => (x > 1 ? String(x) : undefined))).toEqualTypeOf<Stream<string>>();
    expectTypeOf(op.filterMap("fm", nums, (x) => (x > 1 ? x : undefined))).toEqualTypeOf<Stream<number>>();
    expectTypeOf(keyedNums.filterMapValue("fmv", (v) => (v > 1 ? [v] : undefined))).toEqualTypeOf<KeyedStream<number[]>>();
  });

  it("inspect, inspectDebug and redistribute keep the item type; raises and output return void", () => {
    expectTypeOf(strs.inspect("i")).toEqualTypeOf<Stream<string>>();
    expectTypeOf(strs.inspectDebug("d", (_id, x, epoch, worker) => [x, epoch, worker])).toEqualTypeOf<Stream<string>>();
    strs.inspect("i2", (id, x) => {
      expectTypeOf(id).toEqualTypeOf<string>();
      expectTypeOf(x).toEqualTypeOf<string>();
    });
    expectTypeOf(strs.redistribute("r")).toEqualTypeOf<Stream<string>>();
    expectTypeOf(strs.raises("never")).toEqualTypeOf<void>();
    expectTypeOf(strs.output("o", new TestingSink<string>([]))).toEqualTypeOf<void>();
  });
});

describe("keyed-only methods", () => {
  it("compile on a keyed stream with the value type", () => {
    expectTypeOf(keyedNums.keyRm("rm")).toEqualTypeOf<Stream<number>>();
    expectTypeOf(keyedNums.mapValue("mv", (v) => v > 1)).toEqualTypeOf<KeyedStream<boolean>>();
    expectTypeOf(keyedNums.flatMapValue("fmv", (v) => [String(v)])).toEqualTypeOf<KeyedStream<string>>();
    expectTypeOf(keyedNums.filterValue("fv", (v) => v > 1)).toEqualTypeOf<KeyedStream<number>>();
  });

  it("do not compile on an unkeyed stream", () => {
    // @ts-expect-error keyRm needs a keyed stream
    nums.keyRm("rm");
    // @ts-expect-error mapValue needs a keyed stream
    nums.mapValue("mv", (v: number) => v);
    // @ts-expect-error flatMapValue needs a keyed stream
    strs.flatMapValue("fmv", (v: string) => [v]);
    // @ts-expect-error filterValue needs a keyed stream
    nums.filterValue("fv", (v: number) => v > 0);
    // @ts-expect-error filterMapValue needs a keyed stream
    nums.filterMapValue("fmv", (v: number) => v);
    // @ts-expect-error a pair with a non-string key is not keyed
    flow.input("nk", new TestingSource([[1, 2] as const])).keyRm("rm");
    // @ts-expect-error op forms too
    op.keyRm("rm", nums);
    // @ts-expect-error op forms too
    op.mapValue("mv", strs, (v: string) => v);
  });

  it("keyOn's key function must return a string", () => {
    // @ts-expect-error keys are strings
    nums.keyOn("k", (n) => n);
  });
});

describe("type guards narrow", () => {
  const isString = (x: number | string): x is string => typeof x === "string";

  it("filter and filterValue", () => {
    expectTypeOf(mixed.filter("s", isString)).toEqualTypeOf<Stream<string>>();
    expectTypeOf(mixed.filter("n", (x): x is number => typeof x === "number")).toEqualTypeOf<Stream<number>>();
    expectTypeOf(op.filter("s", mixed, isString)).toEqualTypeOf<Stream<string>>();
    expectTypeOf(mixed.filter("plain", (x) => x !== "")).toEqualTypeOf<Stream<number | string>>();
    const keyedMixed = mixed.keyOn("km", String);
    expectTypeOf(keyedMixed.filterValue("fv", isString)).toEqualTypeOf<KeyedStream<string>>();
  });

  it("branch narrows both sides", () => {
    const out = mixed.branch("b", isString);
    expectTypeOf(out.trues).toEqualTypeOf<Stream<string>>();
    expectTypeOf(out.falses).toEqualTypeOf<Stream<number>>();
    const opOut = op.branch("b2", mixed, isString);
    expectTypeOf(opOut.trues).toEqualTypeOf<Stream<string>>();
    expectTypeOf(opOut.falses).toEqualTypeOf<Stream<number>>();
    const plain = nums.branch("b3", (x) => x > 1);
    expectTypeOf(plain.trues).toEqualTypeOf<Stream<number>>();
    expectTypeOf(plain.falses).toEqualTypeOf<Stream<number>>();
  });

  it("predicates must be typed as returning boolean", () => {
    // @ts-expect-error a predicate returning a number is rejected
    nums.filter("f", (x) => x);
    // @ts-expect-error a predicate returning a string is rejected
    mixed.branch("b", (x) => String(x));
  });
});

describe("flatten", () => {
  it("needs a stream of iterables and yields their element type", () => {
    expectTypeOf(flow.input("arrs", new TestingSource([[1, 2]])).flatten("fl")).toEqualTypeOf<Stream<number>>();
    expectTypeOf(flow.input("sets", new TestingSource([new Set(["a"])])).flatten("fl")).toEqualTypeOf<Stream<string>>();
    expectTypeOf(strs.flatten("chars")).toEqualTypeOf<Stream<string>>();
    expectTypeOf(op.flatten("fl", flow.input("arrs2", new TestingSource([[true]])))).toEqualTypeOf<Stream<boolean>>();
    // @ts-expect-error numbers are not iterable
    nums.flatten("fl");
    // @ts-expect-error op form too
    op.flatten("fl", nums);
  });
});

describe("merge", () => {
  const other = flow.input("other", new TestingSource(["x"]));

  it("of Stream<number> and Stream<string> gives Stream<number | string> (method form)", () => {
    expectTypeOf(nums.merge("m", other)).toEqualTypeOf<Stream<number | string>>();
    expectTypeOf(nums.merge("m2", nums, nums)).toEqualTypeOf<Stream<number>>();
  });

  it("the method with no other stream keeps the item type", () => {
    expectTypeOf(nums.merge("alone")).toEqualTypeOf<Stream<number>>();
  });

  it("op.merge of one item type keeps it", () => {
    expectTypeOf(op.merge("m3", nums, nums)).toEqualTypeOf<Stream<number>>();
  });

  it("op.merge of Stream<number> and Stream<string> gives Stream<number | string>", () => {
    expectTypeOf(op.merge("m4", nums, other)).toEqualTypeOf<Stream<number | string>>();
  });
});

describe("output", () => {
  it("a FixedPartitionedSink needs a keyed stream of its value type", () => {
    keyedNums.output("ok", new NumberFixedSink());
    op.output("ok2", keyedNums, new NumberFixedSink());
    // @ts-expect-error an unkeyed stream cannot go to a FixedPartitionedSink
    nums.output("bad", new NumberFixedSink());
    // @ts-expect-error op form too
    op.output("bad2", nums, new NumberFixedSink());
    // @ts-expect-error the value type must match the sink's
    keyedNums.mapValue("asStr", String).output("bad3", new NumberFixedSink());
  });

  it("a DynamicSink takes items as they are", () => {
    nums.output("dyn", new TestingSink<number>([]));
    keyedNums.output("dynKeyed", new TestingSink<readonly [string, number]>([]));
    // @ts-expect-error the item type must match the sink's
    nums.output("dynBad", new TestingSink<string>([]));
    expectTypeOf<TestingSink<number>>().toMatchTypeOf<DynamicSink<number>>();
  });
});

describe("method and op forms have the same types", () => {
  it("map, keyOn, filter, flatMap, mapValue", () => {
    expectTypeOf(op.map("m", nums, (x) => [x])).toEqualTypeOf(nums.map("m", (x) => [x]));
    expectTypeOf(op.map<number, string>).parameters.toEqualTypeOf<[string, Stream<number>, (x: number) => string]>();
    expectTypeOf(nums.map<string>).parameters.toEqualTypeOf<[string, (x: number) => string]>();
    expectTypeOf(op.map<number, string>).returns.toEqualTypeOf<ReturnType<typeof nums.map<string>>>();
    expectTypeOf(op.keyOn("k", strs, (s) => s)).toEqualTypeOf(strs.keyOn("k", (s) => s));
    expectTypeOf(op.filter("f", nums, (x) => x > 0)).toEqualTypeOf(nums.filter("f", (x) => x > 0));
    expectTypeOf(op.flatMap("fm", strs, (s) => [s.length])).toEqualTypeOf(strs.flatMap("fm", (s) => [s.length]));
    expectTypeOf(op.mapValue("mv", keyedNums, (v) => `${v}`)).toEqualTypeOf(keyedNums.mapValue("mv", (v) => `${v}`));
    expectTypeOf(op.keyRm("rm", keyedNums)).toEqualTypeOf(keyedNums.keyRm("rm"));
    expectTypeOf(op.input("i", flow, new TestingSource([true]))).toEqualTypeOf(flow.input("i", new TestingSource([true])));
  });

  it("pipe returns what the function returns", () => {
    expectTypeOf(nums.pipe((s) => s.map("m", String))).toEqualTypeOf<Stream<string>>();
    expectTypeOf(nums.pipe(() => 1 as const)).toEqualTypeOf<1>();
  });

  it("streams have no `then` (never thenable)", () => {
    expectTypeOf<Stream<number>>().not.toHaveProperty("then");
  });
});

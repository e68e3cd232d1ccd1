import { describe, expect, it } from "vitest";
import {
  BuildError,
  Dataflow,
  DataflowError,
  defineOperator,
  op,
  Stream,
  type StepNode,
} from "../../src/index.js";
import { runMain, TestingSink, TestingSource } from "../../src/testing/index.js";
import { expectStepError, runFailing } from "./helpers.js";

/** Expect `f` to throw a BuildError whose message contains every fragment. */
function expectBuildError(f: () => unknown, ...fragments: string[]): BuildError {
  let thrown: unknown;
  try {
    f();
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toBeInstanceOf(BuildError);
  expect(thrown).toBeInstanceOf(DataflowError);
  const e = thrown as BuildError;
  expect(e.name).toBe("BuildError");
  for (const fragment of fragments) expect(e.message).toContain(fragment);
  return e;
}

/** A custom operator: doubles its input through one inner map step. */
function double(stepId: string, up: Stream<number>): Stream<number> {
  return defineOperator("double", stepId, { up }, ({ up }) => ({ down: up.map("inner", (x) => x * 2) })).down;
}

/** Ids of a step tree, nested. */
type IdTree = [string, IdTree[]];
function ids(steps: readonly StepNode[]): IdTree[] {
  return steps.map((s) => [s.stepId, ids(s.substeps)]);
}

describe("Dataflow ids", () => {
  it("accepts a non-empty id without '.'", () => {
    expect(new Dataflow("orders-2024_v1").flowId).toBe("orders-2024_v1");
    expect(new Dataflow("f").substeps).toEqual([]);
  });

  it("rejects an empty flow id, one with '.', and a non-string", () => {
    expectBuildError(() => new Dataflow(""), 'dataflow id ""', "non-empty string without '.'");
    expectBuildError(() => new Dataflow("a.b"), 'dataflow id "a.b" is invalid');
    expectBuildError(() => new Dataflow(7 as never), "dataflow id of type number is invalid");
  });
});

describe("step ids", () => {
  it("rejects an empty step id, one with '.', and a non-string", () => {
    const flow = new Dataflow("f");
    const s = flow.input("in", new TestingSource([1]));
    expectBuildError(() => s.map("", (x) => x), 'step id ""', "non-empty string without '.'");
    expectBuildError(() => s.map("a.b", (x) => x), 'step id "a.b"', "under 'f' is invalid");
    expectBuildError(() => s.map(3 as never, (x) => x), "step id of type number");
    expectBuildError(() => flow.input("x.y", new TestingSource([1])), 'step id "x.y" in `input` under \'f\'');
    expectBuildError(() => op.merge("", s), 'step id ""');
    expect(flow.substeps.map((x) => x.stepId)).toEqual(["f.in"]);
  });

  it("rejects a duplicate step id at top level, naming it", () => {
    const flow = new Dataflow("f");
    const s = flow.input("in", new TestingSource([1]));
    s.map("x", (v) => v);
    expectBuildError(() => s.map("x", (v) => v + 1), "step 'f.x' already exists");
    expectBuildError(() => s.filter("in", () => true), "step 'f.in' already exists");
    expectBuildError(() => flow.input("in", new TestingSource([2])), "step 'f.in' already exists");
    expectBuildError(() => s.output("x", new TestingSink([])), "step 'f.x' already exists");
  });

  it("rejects a duplicate step id inside a custom operator, naming the nested id", () => {
    const flow = new Dataflow("f");
    const s = flow.input("in", new TestingSource([1]));
    expectBuildError(
      () =>
        defineOperator("twice", "myop", { up: s }, ({ up }) => {
          up.map("x", (v) => v);
          return { down: up.map("x", (v) => v) };
        }),
      "step 'f.myop.x' already exists",
    );
  });

  it("allows the same name in different scopes", () => {
    const flow = new Dataflow("f");
    const s = flow.input("in", new TestingSource([1]));
    s.map("inner", (x) => x);
    double("d1", s);
    double("d2", s);
    expect(flow.substeps.map((x) => x.stepId)).toEqual(["f.in", "f.inner", "f.d1", "f.d2"]);
    expect(flow.substeps[2].substeps[0].stepId).toBe("f.d1.inner");
    expect(flow.substeps[3].substeps[0].stepId).toBe("f.d2.inner");
  });
});

describe("operator arguments", () => {
  it("rejects a non-Stream `up`", () => {
    expectBuildError(() => op.map("m", 5 as never, (x: number) => x), "argument 'up' of `map` step 'm' must be a Stream; got number");
    expectBuildError(() => op.filter("f", null as never, () => true), "argument 'up' of `filter` step 'f' must be a Stream; got null");
    expectBuildError(() => op.keyRm("k", { streamId: "f.in.down" } as never), "must be a Stream; got object");
  });

  it("rejects a non-Stream among merge's streams", () => {
    const flow = new Dataflow("f");
    const s = flow.input("in", new TestingSource([1]));
    expectBuildError(() => op.merge("m", s, "nope" as never), "argument 'ups' of `merge` step 'm' must be a Stream; got string");
  });

  it("rejects streams of two different flows given to merge", () => {
    const a = new Dataflow("fa").input("in", new TestingSource([1]));
    const b = new Dataflow("fb").input("in", new TestingSource([2]));
    expectBuildError(() => op.merge("m", a, b), "streams given to `merge` step 'm' come from different dataflows ('fa' and 'fb')");
    expectBuildError(() => a.merge("m", b), "different dataflows");
  });

  it("rejects a stream from another scope given to a step inside a custom operator", () => {
    const flow = new Dataflow("f");
    const outer = flow.input("in", new TestingSource([1]));
    const other = flow.input("other", new TestingSource([2]));
    expectBuildError(
      () => defineOperator("leaky", "leaky", { up: outer }, ({ up }) => ({ down: op.merge("m", up, other) })),
      "come from different scopes ('f.leaky' and 'f')",
    );
  });

  it("rejects a source that is not a source and a sink that is not a sink", () => {
    const flow = new Dataflow("f");
    expectBuildError(() => flow.input("in", { nextBatch: () => [] } as never), "must be a FixedPartitionedSource or a DynamicSource");
    expectBuildError(() => flow.input("in", null as never), "got null");
    const s = flow.input("in", new TestingSource([1]));
    expectBuildError(() => s.output("out", [] as never), "must be a FixedPartitionedSink or a DynamicSink; got array of length 0");
    expectBuildError(() => op.output("out", s, undefined as never), "got undefined");
  });
});

describe("incomplete flows", () => {
  it("a flow with no input fails when run", async () => {
    const err = await runFailing(new Dataflow("empty"));
    expect(err).toBeInstanceOf(BuildError);
    expect((err as Error).message).toContain("dataflow 'empty' has no input step");
  });

  it("a flow with no output or inspect step fails when run", async () => {
    const flow = new Dataflow("f");
    flow.input("in", new TestingSource([1])).map("m", (x) => x);
    const err = await runFailing(flow);
    expect(err).toBeInstanceOf(BuildError);
    expect((err as Error).message).toContain("dataflow 'f' has no output or inspect step");
  });

  it("runMain rejects what is not a Dataflow", async () => {
    const err = await runFailing({ flowId: "f" } as never);
    expect(err).toBeInstanceOf(BuildError);
    expect((err as Error).message).toContain("runMain needs a Dataflow; got object");
  });
});

describe("the step tree", () => {
  it("records derived operators with their core substeps and ports", () => {
    const flow = new Dataflow("f1");
    const s = flow.input("in", new TestingSource([1]));
    const added = op.map("add", s, (x) => x + 1);
    added.output("out", new TestingSink([]));
    expect(added.streamId).toBe("f1.add.flat_map_batch.down");
    expect(ids(flow.substeps)).toEqual([
      ["f1.in", []],
      ["f1.add", [["f1.add.flat_map_batch", []]]],
      ["f1.out", []],
    ]);
    const [input, add, out] = flow.substeps;
    expect(input).toMatchObject({ name: "in", opType: "input", upPorts: {}, downPorts: { down: "f1.in.down" } });
    expect(add).toMatchObject({
      name: "add",
      opType: "map",
      upPorts: { up: ["f1.in.down"] },
      downPorts: { down: "f1.add.flat_map_batch.down" },
    });
    expect(add.substeps[0]).toMatchObject({
      stepId: "f1.add.flat_map_batch",
      name: "flat_map_batch",
      opType: "flatMapBatch",
      upPorts: { up: ["f1.in.down"] },
      downPorts: { down: "f1.add.flat_map_batch.down" },
      substeps: [],
    });
    expect(out).toMatchObject({ opType: "output", upPorts: { up: ["f1.add.flat_map_batch.down"] }, downPorts: {} });
  });

  it("nests derived operators built on derived operators, with Bytewax's substep names", () => {
    const flow = new Dataflow("f");
    const keyed = flow.input("in", new TestingSource(["a"])).keyOn("k", (x) => x);
    keyed.mapValue("mv", (v) => v);
    keyed.filterValue("fv", () => true);
    keyed.keyRm("rm");
    flow.input("in2", new TestingSource([["x"]])).flatten("fl");
    expect(ids(flow.substeps)).toEqual([
      ["f.in", []],
      ["f.k", [["f.k.flat_map_batch", []]]],
      ["f.mv", [["f.mv.map", [["f.mv.map.flat_map_batch", []]]]]],
      ["f.fv", [["f.fv.filter", [["f.fv.filter.flat_map_batch", []]]]]],
      ["f.rm", [["f.rm.map", [["f.rm.map.flat_map_batch", []]]]]],
      ["f.in2", []],
      ["f.fl", [["f.fl.flat_map", [["f.fl.flat_map.flat_map_batch", []]]]]],
    ]);
    expect(flow.substeps.map((x) => x.opType)).toEqual(["input", "keyOn", "mapValue", "filterValue", "keyRm", "input", "flatten"]);
  });

  it("gives streams their flow and makes no stream thenable", async () => {
    const flow = new Dataflow("f");
    const s = flow.input("in", new TestingSource([1])).map("m", (x) => x);
    expect(s).toBeInstanceOf(Stream);
    expect(s.flow()).toBe(flow);
    expect("then" in s).toBe(false);
    // Awaiting a stream must give the stream back, not hang or unwrap it.
    expect(await Promise.resolve(s)).toBe(s);
  });
});

/** The step tree as plain data, without the runtime config of core steps. */
function shape(steps: readonly StepNode[]): unknown {
  return steps.map((s) => ({
    stepId: s.stepId,
    opType: s.opType,
    upPorts: s.upPorts,
    downPorts: s.downPorts,
    substeps: shape(s.substeps),
  }));
}

describe("fluent methods", () => {
  it("every method builds the same steps as its op, and they run the same", async () => {
    const byMethod = new Dataflow("f");
    const byOp = new Dataflow("f");
    const written: unknown[] = [];
    const sink = new TestingSink<unknown>(written);
    {
      const s = byMethod.input("in", new TestingSource(["a b"]));
      const other = byMethod.input("in2", new TestingSource(["c"]));
      const k = s.flatMapBatch("fmb", (xs) => xs).map("m", (x) => x).mapAsync("ma", async (x) => x).flatMap("fm", (x) => x.split(" "))
        .filter("fi", () => true).filterMap("fim", (x) => x).keyOn("k", (x) => x);
      const v = k.mapValue("mv", (x) => [x]).flatMapValue("fmv", (x) => x).filterValue("fv", () => true).filterMapValue("fmv2", (x) => x);
      const { trues, falses } = v.keyRm("rm").merge("me", other).inspect("i", () => {}).inspectDebug("id", () => {}).redistribute("r")
        .flatMap("wrap", (x) => [[x]]).flatten("fl").branch("b", () => true);
      falses.raises("ra");
      trues.output("out", sink);
    }
    {
      const s = op.input("in", byOp, new TestingSource(["a b"]));
      const other = op.input("in2", byOp, new TestingSource(["c"]));
      const fmb = op.flatMapBatch("fmb", s, (xs) => xs);
      const ma = op.mapAsync("ma", op.map("m", fmb, (x) => x), async (x) => x);
      const fi = op.filter("fi", op.flatMap("fm", ma, (x) => x.split(" ")), () => true);
      const k = op.keyOn("k", op.filterMap("fim", fi, (x) => x), (x) => x);
      const fmv = op.flatMapValue("fmv", op.mapValue("mv", k, (x) => [x]), (x) => x);
      const v = op.filterMapValue("fmv2", op.filterValue("fv", fmv, () => true), (x) => x);
      const merged = op.merge("me", op.keyRm("rm", v), other);
      const r = op.redistribute("r", op.inspectDebug("id", op.inspect("i", merged, () => {}), () => {}));
      const { trues, falses } = op.branch("b", op.flatten("fl", op.flatMap("wrap", r, (x) => [[x]])), () => true);
      op.raises("ra", falses);
      op.output("out", trues, sink);
    }
    expect(byMethod.substeps.length).toBe(23);
    expect(shape(byMethod.substeps)).toEqual(shape(byOp.substeps));
    await runMain(byMethod);
    await runMain(byOp);
    expect(written).toEqual(["a", "b", "c", "a", "b", "c"]);
  });
});

describe("defineOperator", () => {
  it("nests the steps of a custom operator and records its ports", async () => {
    const out: number[] = [];
    const flow = new Dataflow("f");
    const s = flow.input("in", new TestingSource([1, 2]));
    const doubled = double("myop", s);
    doubled.output("out", new TestingSink(out));
    expect(ids(flow.substeps)).toEqual([
      ["f.in", []],
      ["f.myop", [["f.myop.inner", [["f.myop.inner.flat_map_batch", []]]]]],
      ["f.out", []],
    ]);
    expect(flow.substeps[1]).toMatchObject({
      name: "myop",
      opType: "double",
      upPorts: { up: ["f.in.down"] },
      downPorts: { down: "f.myop.inner.flat_map_batch.down" },
    });
    expect(flow.substeps[1].substeps[0]).toMatchObject({ opType: "map", upPorts: { up: ["f.in.down"] } });
    expect(doubled.streamId).toBe("f.myop.inner.flat_map_batch.down");
    expect(doubled.flow()).toBe(flow);
    await runMain(flow);
    expect(out).toEqual([2, 4]);
  });

  it("passes the full step id to the body and supports several ports", async () => {
    const evens: number[] = [];
    const odds: number[] = [];
    const seenIds: string[] = [];
    const flow = new Dataflow("f");
    const a = flow.input("a", new TestingSource([1, 2]));
    const b = flow.input("b", new TestingSource([3, 4]));
    const split = defineOperator("mergeSplit", "ms", { left: a, rights: [b] }, ({ left, rights }, step) => {
      seenIds.push(step.stepId);
      const { trues, falses } = op.merge("all", left, ...rights).branch("even", (x) => x % 2 === 0);
      return { evens: trues, odds: falses };
    });
    split.evens.output("out_e", new TestingSink(evens));
    split.odds.output("out_o", new TestingSink(odds));
    expect(seenIds).toEqual(["f.ms"]);
    expect(flow.substeps[2]).toMatchObject({
      stepId: "f.ms",
      upPorts: { left: ["f.a.down"], rights: ["f.b.down"] },
      downPorts: { evens: "f.ms.even.trues", odds: "f.ms.even.falses" },
    });
    await runMain(flow);
    expect(evens).toEqual([2, 4]);
    expect(odds).toEqual([1, 3]);
  });

  it("takes a Dataflow for a step without inputs", async () => {
    const out: string[] = [];
    const flow = new Dataflow("f");
    const { down } = defineOperator("constant", "src", flow, () => ({ down: flow.input("x", new TestingSource(["x"])) }));
    down.output("out", new TestingSink(out));
    expect(flow.substeps[0]).toMatchObject({ stepId: "f.src", opType: "constant", upPorts: {}, downPorts: { down: "f.src.x.down" } });
    await runMain(flow);
    expect(out).toEqual(["x"]);
  });

  it("nests the input steps that a Dataflow-taking custom operator adds (like a connector's `input` operator)", () => {
    const flow = new Dataflow("f");
    defineOperator("myInput", "src", flow, () => ({ down: flow.input("inner", new TestingSource(["x"])) }));
    // Like Bytewax's `kafka_in.kafka_input`: the inner input belongs to the operator's step.
    expect(ids(flow.substeps)).toEqual([["f.src", [["f.src.inner", []]]]]);
  });

  it("rejects a body that does not return streams", () => {
    const flow = new Dataflow("f");
    const s = flow.input("in", new TestingSource([1]));
    expectBuildError(() => defineOperator("bad", "b1", { up: s }, () => undefined as never), "body of `bad` step 'f.b1' must return an object");
    expectBuildError(() => defineOperator("bad", "b2", { up: s }, () => ({ down: 1 }) as never), "output 'down' of `bad` step 'f.b2' must be a Stream; got number");
  });

  it("reports an error in a custom operator's inner map against the inner map step", async () => {
    const flow = new Dataflow("f");
    const s = flow.input("in", new TestingSource([1]));
    defineOperator("myOp", "myop", { up: s }, ({ up }) => ({
      down: up.map("inner", () => {
        throw new Error("inner failed");
      }),
    })).down.output("out", new TestingSink([]));
    expectStepError(await runFailing(flow), {
      stepId: "f.myop.inner",
      message: "error calling `mapper` in step 'f.myop.inner': inner failed",
      cause: Error,
    });
  });

  it("reports a validation error of a built-in inside a custom operator against the built-in's step", async () => {
    const flow = new Dataflow("f");
    const s = flow.input("in", new TestingSource([1]));
    defineOperator("myOp", "myop", { up: s }, ({ up }) => ({ down: up.keyOn("key", (x) => x as unknown as string) })).down.output(
      "out",
      new TestingSink([]),
    );
    expectStepError(await runFailing(flow), { stepId: "f.myop.key", message: "must return a string", cause: TypeError });
  });
});

describe("pipe", () => {
  it("calls the function with the stream and returns its result", async () => {
    const out: number[] = [];
    const flow = new Dataflow("f");
    const s = flow.input("in", new TestingSource([1, 2]));
    let got: unknown;
    const piped = s.pipe((x) => {
      got = x;
      return double("d", x);
    });
    expect(got).toBe(s);
    piped.map("inc", (x) => x + 1).output("out", new TestingSink(out));
    expect(s.pipe(() => 42)).toBe(42);
    await runMain(flow);
    expect(out).toEqual([3, 5]);
    expect(flow.substeps.map((x) => x.stepId)).toEqual(["f.in", "f.d", "f.inc", "f.out"]);
  });
});

import { describe, expect, it } from "vitest";
import {
  BuildError,
  Dataflow,
  DynamicSource,
  FixedPartitionedSource,
  op,
  StatefulSourcePartition,
  StatelessSourcePartition,
} from "../../../src/index.js";
import { runMain, TestingSink, TestingSource } from "../../../src/testing/index.js";
import { expectStepError, runFailing } from "../helpers.js";

class CountdownPartition extends StatelessSourcePartition<string> {
  constructor(
    private readonly worker: number,
    private left: number,
  ) {
    super();
  }
  nextBatch(): string[] | null {
    if (this.left === 0) return null;
    return [`w${this.worker}-${this.left--}`];
  }
}

class CountdownSource extends DynamicSource<string> {
  readonly built: [string, number, number][] = [];
  build(stepId: string, worker: number, count: number): CountdownPartition {
    this.built.push([stepId, worker, count]);
    return new CountdownPartition(worker, 3);
  }
}

class FailingPartition extends StatefulSourcePartition<number, number> {
  private n = 0;
  nextBatch(): number[] {
    if (this.n === 1) throw new Error("disk gone");
    return [this.n++];
  }
  snapshot(): number {
    return this.n;
  }
}

class FailingSource extends FixedPartitionedSource<number, number> {
  listParts(): string[] {
    return ["p0"];
  }
  buildPart(): FailingPartition {
    return new FailingPartition();
  }
}

describe("op.input", () => {
  it("reads every item of a source, in order", async () => {
    const out: number[] = [];
    const flow = new Dataflow("f");
    flow.input("in", new TestingSource([3, 1, 2], 2)).output("out", new TestingSink(out));
    await runMain(flow);
    expect(out).toEqual([3, 1, 2]);
  });

  it("op.input(id, flow, source) is flow.input(id, source)", async () => {
    const out: string[] = [];
    const flow = new Dataflow("f");
    const s = op.input("in", flow, new TestingSource(["a", "b"]));
    expect(s.streamId).toBe("f.in.down");
    expect(s.flow()).toBe(flow);
    expect(flow.substeps).toMatchObject([{ stepId: "f.in", name: "in", opType: "input", upPorts: {}, downPorts: { down: "f.in.down" } }]);
    s.output("out", new TestingSink(out));
    await runMain(flow);
    expect(out).toEqual(["a", "b"]);
  });

  it("reads a DynamicSource, built once with the input's full step id and worker 0 of 1", async () => {
    const out: string[] = [];
    const src = new CountdownSource();
    const flow = new Dataflow("f");
    flow.input("ticks", src).output("out", new TestingSink(out));
    await runMain(flow);
    expect(out).toEqual(["w0-3", "w0-2", "w0-1"]);
    expect(src.built).toEqual([["f.ticks", 0, 1]]);
  });

  it("an empty source ends at once", async () => {
    const out: number[] = [];
    const flow = new Dataflow("f");
    flow.input("in", new TestingSource<number>([])).output("out", new TestingSink(out));
    await runMain(flow);
    expect(out).toEqual([]);
  });

  it("honours TestingSource markers: PAUSE ends a batch, EOF ends the input", async () => {
    const batches: number[][] = [];
    const out: number[] = [];
    const flow = new Dataflow("f");
    flow
      .input("in", new TestingSource([1, 2, TestingSource.PAUSE(0), 3, TestingSource.EOF(), 4], 3))
      .flatMapBatch("batches", (xs) => (batches.push([...xs]), xs))
      .output("out", new TestingSink(out));
    await runMain(flow);
    expect(batches).toEqual([[1, 2], [3]]);
    expect(out).toEqual([1, 2, 3]);
  });

  it("an ABORT marker ends the run quietly after the items before it", async () => {
    const out: string[] = [];
    const flow = new Dataflow("f");
    flow.input("in", new TestingSource(["a", TestingSource.ABORT(), "b"])).output("out", new TestingSink(out));
    await expect(runMain(flow)).resolves.toBeUndefined();
    expect(out).toEqual(["a"]);
  });

  it("a throwing partition is a StepError naming the input step and partition", async () => {
    const out: number[] = [];
    const flow = new Dataflow("f");
    flow.input("in", new FailingSource()).output("out", new TestingSink(out));
    const err = expectStepError(await runFailing(flow), {
      stepId: "f.in",
      message: "error calling `nextBatch` of partition 'p0' in step 'f.in': disk gone",
      cause: Error,
    });
    expect(err.partition).toBe("p0");
    expect(out).toEqual([0]);
  });

  it("rejects something that is not a source", () => {
    const flow = new Dataflow("f");
    expect(() => flow.input("in", {} as never)).toThrow(BuildError);
    expect(() => op.input("in", flow, [1, 2] as never)).toThrow(
      "source of input step 'f.in' must be a FixedPartitionedSource or a DynamicSource; got array of length 2",
    );
    expect(flow.substeps).toEqual([]);
  });
});

import { describe, expect, it } from "vitest";
import {
  AbortExecution,
  BuildError,
  Dataflow,
  DynamicSink,
  DynamicSource,
  FixedPartitionedSource,
  StatefulSourcePartition,
  StatelessSinkPartition,
  StatelessSourcePartition,
  StepError,
  op,
  type RunClock,
  type RunContext,
} from "../../src/index.js";
import { runMain, TestingSink, TestingSource, VirtualClock } from "../../src/testing/index.js";
import { runFlow } from "../../src/run/runMain.js";
import type { EncodedSnapshot as SnapshotEntry } from "../../src/run/internal/node.js";
import { afterAdvance, RecordingClock, T_START } from "../support/virtualTime.js";

/** A partition over a list of batches; `null` entries in `batches` are returned as is. */
class ListPartition extends StatefulSourcePartition<unknown, number> {
  constructor(private readonly batches: unknown[], private i: number) {
    super();
  }
  nextBatch(): Iterable<unknown> | null {
    if (this.i >= this.batches.length) return null;
    // Deliberately unchecked: tests feed non-iterables too.
    return this.batches[this.i++] as Iterable<unknown> | null;
  }
  snapshot(): number {
    return this.i;
  }
}

class ListSource extends FixedPartitionedSource<unknown, number> {
  constructor(private readonly parts: Record<string, unknown[]>) {
    super();
  }
  listParts(): string[] {
    return Object.keys(this.parts);
  }
  buildPart(_s: string, part: string, resume: number | undefined): ListPartition {
    return new ListPartition(this.parts[part], resume ?? 0);
  }
}

function epochsOf(flow: Dataflow, epochInterval?: number): Promise<{ epoch: number; entries: SnapshotEntry[] }[]> {
  const seen: { epoch: number; entries: SnapshotEntry[] }[] = [];
  return runFlow(flow, { epochInterval, onEpochClose: (epoch, entries) => void seen.push({ epoch, entries }) }).then(() => seen);
}

describe("executor", () => {
  it("with epochInterval 0 makes every source batch its own epoch and snapshots the partition", async () => {
    const out: [number, number][] = [];
    const flow = new Dataflow("f");
    flow
      .input("in", new TestingSource(["a", "b", "c", "d", "e"], 2))
      .inspectDebug("dbg", (_s, x, epoch) => out.push([epoch, x.charCodeAt(0)]))
      .output("out", new TestingSink([]));
    const epochs = await epochsOf(flow, 0);
    expect(out).toEqual([[1, 97], [1, 98], [2, 99], [2, 100], [3, 101]]);
    // One epoch per batch, then the final close at EOF.
    expect(epochs.map((e) => e.epoch)).toEqual([1, 2, 3, 4]);
    expect(epochs[0].entries).toMatchObject([{ stepId: "f.in", stateKey: "iterable", state: 2 }]);
    expect(epochs[2].entries).toMatchObject([{ stepId: "f.in", stateKey: "iterable", state: 5 }]);
  });

  it("keeps one epoch for a whole short run with the default interval", async () => {
    const epochs: number[] = [];
    const flow = new Dataflow("f");
    flow.input("in", new TestingSource([1, 2, 3])).inspectDebug("dbg", (_s, _x, e) => epochs.push(e)).output("out", new TestingSink([]));
    const closes = await epochsOf(flow);
    expect(epochs).toEqual([1, 1, 1]);
    expect(closes.map((c) => c.epoch)).toEqual([1]);
  });

  it("advances the epoch on time while a source sleeps", async () => {
    const clock = new VirtualClock(T_START);
    const epochs: number[] = [];
    const closes: [epoch: number, at: number][] = [];
    const flow = new Dataflow("f");
    flow
      .input("in", new TestingSource([1, TestingSource.PAUSE(120), 2]))
      .inspectDebug("dbg", (_s, _x, e) => epochs.push(e))
      .output("out", new TestingSink([]));
    const run = runFlow(flow, { epochInterval: 50, clock, onEpochClose: (epoch) => void closes.push([epoch, clock.now() - T_START]) });
    await afterAdvance(clock, 120, run);
    // Epochs 1 and 2 close on time during the pause; 2 comes in epoch 3, which closes at EOF.
    expect(closes).toEqual([
      [1, 50],
      [2, 100],
      [3, 120],
    ]);
    expect(epochs).toEqual([1, 3]);
  });

  it("interleaves inputs in definition order, partitions sorted by name", async () => {
    const out: unknown[] = [];
    const flow = new Dataflow("f");
    const a = flow.input("a", new ListSource({ z: [["z1"], ["z2"]], y: [["y1"], ["y2"]] }));
    const b = flow.input("b", new TestingSource(["b1", "b2"]));
    op.merge("m", a, b).output("out", new TestingSink(out));
    await runMain(flow);
    expect(out).toEqual(["y1", "z1", "b1", "y2", "z2", "b2"]);
  });

  it("accepts any iterable from nextBatch and ends at null", async () => {
    const out: unknown[] = [];
    const flow = new Dataflow("f");
    function* gen(): Generator<number> {
      yield 3;
      yield 4;
    }
    flow.input("in", new ListSource({ p: [new Set([1, 2]), gen(), [], null, [99]] })).output("out", new TestingSink(out));
    // The empty batch puts the next poll 1 ms later.
    const clock = new VirtualClock(T_START);
    await afterAdvance(clock, 1, runMain(flow, { clock }));
    expect(out).toEqual([1, 2, 3, 4]);
  });

  it("reports a non-iterable batch as a StepError naming the step and partition", async () => {
    const flow = new Dataflow("f");
    flow.input("in", new ListSource({ p0: [42] })).output("out", new TestingSink([]));
    const err = await runMain(flow).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StepError);
    expect(err).toMatchObject({ stepId: "f.in", partition: "p0" });
    expect((err as StepError).cause).toBeInstanceOf(TypeError);
    expect((err as Error).message).toContain("error calling `nextBatch` of partition 'p0' in step 'f.in'");
  });

  it("reports a throwing buildPart with the partition", async () => {
    class Broken extends FixedPartitionedSource<number, undefined> {
      listParts(): string[] {
        return ["only"];
      }
      buildPart(): never {
        throw new Error("cannot open");
      }
    }
    const flow = new Dataflow("f");
    flow.input("in", new Broken()).output("out", new TestingSink([]));
    await expect(runMain(flow)).rejects.toThrow("error calling `buildPart` of partition 'only' in step 'f.in': cannot open");
  });

  it("ends normally on AbortExecution without closing the epoch in progress", async () => {
    const out: number[] = [];
    const flow = new Dataflow("f");
    flow.input("in", new TestingSource([1, 2, TestingSource.ABORT(), 3])).output("out", new TestingSink(out));
    const epochs = await epochsOf(flow);
    expect(out).toEqual([1, 2]);
    expect(epochs).toEqual([]);
    await expect(runFlow(flow)).resolves.toBe("eof");
    expect(out).toEqual([1, 2, 1, 2, 3]);
  });

  it("stops at a batch boundary when the signal aborts", async () => {
    class Forever extends DynamicSource<number> {
      build(_stepId: string, _worker: number, _count: number, context?: RunContext): StatelessSourcePartition<number> {
        const clock = context!.clock;
        let n = 0;
        return new (class extends StatelessSourcePartition<number> {
          nextBatch(): number[] {
            return [n++];
          }
          override nextAwake(): Date {
            return new Date(clock.now() + 5);
          }
        })();
      }
    }
    const clock = new VirtualClock(T_START);
    const out: number[] = [];
    const flow = new Dataflow("f");
    flow.input("in", new Forever()).output("out", new TestingSink(out));
    const ctl = new AbortController();
    const run = runFlow(flow, { signal: ctl.signal, clock });
    // Polls at 0, 5, ..., 60 ms; the run then sleeps until 65 ms.
    await clock.advance(60);
    expect(out).toEqual(Array.from({ length: 13 }, (_, i) => i));
    ctl.abort();
    await expect(run).resolves.toBe("stopped");
    // Stopped while it slept: no poll after the signal.
    expect(out).toHaveLength(13);
    expect(clock.now() - T_START).toBe(60);
  });

  it("awaits async sources and sinks once per batch, one batch in flight (backpressure)", async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const written: number[] = [];
    class SlowSink extends DynamicSink<number> {
      build(): StatelessSinkPartition<number> {
        return new (class extends StatelessSinkPartition<number> {
          async writeBatch(xs: number[]): Promise<void> {
            inFlight++;
            maxInFlight = Math.max(maxInFlight, inFlight);
            // A macrotask later, as a real write would finish.
            await new Promise((r) => setImmediate(r));
            written.push(...xs);
            inFlight--;
          }
        })();
      }
    }
    class AsyncPartition extends StatefulSourcePartition<number, number> {
      private i = 0;
      async nextBatch(): Promise<number[] | null> {
        await new Promise((r) => setImmediate(r));
        return this.i < 5 ? [this.i++] : null;
      }
      snapshot(): number {
        return this.i;
      }
    }
    class AsyncSource extends FixedPartitionedSource<number, number> {
      listParts(): string[] {
        return ["p"];
      }
      async buildPart(): Promise<AsyncPartition> {
        return new AsyncPartition();
      }
    }
    const flow = new Dataflow("f");
    flow
      .input("in", new AsyncSource())
      .flatMapBatch("async_map", async (xs) => xs.map((x) => x * 10))
      .output("out", new SlowSink());
    await runMain(flow);
    expect(written).toEqual([0, 10, 20, 30, 40]);
    expect(maxInFlight).toBe(1);
  });

  it("polls on nextAwake spacing, sleeping straight to each poll (no busy CPU)", async () => {
    const clock = new RecordingClock();
    const polls: number[] = [];
    class Spaced extends StatelessSourcePartition<number> {
      private n = 0;
      constructor(private readonly clock: RunClock) {
        super();
      }
      nextBatch(): number[] | null {
        polls.push(this.clock.now() - T_START);
        return this.n < 8 ? [this.n++] : null;
      }
      override nextAwake(): Date {
        return new Date(this.clock.now() + 100);
      }
    }
    class SpacedSource extends DynamicSource<number> {
      build(_stepId: string, _worker: number, _count: number, context?: RunContext): Spaced {
        return new Spaced(context!.clock);
      }
    }
    const flow = new Dataflow("f");
    flow.input("in", new SpacedSource()).output("out", new TestingSink([]));
    await afterAdvance(clock, 800, runMain(flow, { clock }));
    expect(polls).toEqual([0, 100, 200, 300, 400, 500, 600, 700, 800]);
    // Between polls the run sleeps, once each time, until the next poll is due.
    expect(clock.sleeps).toEqual([100, 200, 300, 400, 500, 600, 700, 800].map((until) => ({ from: until - 100, until })));
  });

  it("fails promptly when a sink write rejects, naming the step", async () => {
    class FailingSink extends DynamicSink<number> {
      build(): StatelessSinkPartition<number> {
        return new (class extends StatelessSinkPartition<number> {
          async writeBatch(): Promise<void> {
            throw new Error("disk full");
          }
        })();
      }
    }
    const flow = new Dataflow("f");
    flow.input("in", new TestingSource([1, 2, 3])).output("out", new FailingSink());
    const err = await runMain(flow).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StepError);
    expect(err).toMatchObject({ stepId: "f.out", message: "error calling `writeBatch` in step 'f.out': disk full" });
  });

  it("rejects bad run options and non-flows", async () => {
    const flow = new Dataflow("f");
    flow.input("in", new TestingSource([1])).output("out", new TestingSink([]));
    await expect(runMain(flow, { epochInterval: -1 })).rejects.toThrow(BuildError);
    await expect(runMain({} as Dataflow)).rejects.toThrow("runMain needs a Dataflow; got object");
  });

  it("closes sink partitions at the end of a clean run", async () => {
    let closed = 0;
    class ClosingSink extends DynamicSink<number> {
      build(): StatelessSinkPartition<number> {
        return new (class extends StatelessSinkPartition<number> {
          writeBatch(): void {}
          override close(): void {
            closed++;
          }
        })();
      }
    }
    const flow = new Dataflow("f");
    flow.input("in", new TestingSource([1])).output("out", new ClosingSink());
    await runMain(flow);
    expect(closed).toBe(1);
  });

  it("treats AbortExecution thrown by a dynamic partition as a normal end", async () => {
    class Aborting extends DynamicSource<number> {
      build(): StatelessSourcePartition<number> {
        return new (class extends StatelessSourcePartition<number> {
          nextBatch(): number[] {
            throw new AbortExecution();
          }
        })();
      }
    }
    const flow = new Dataflow("f");
    flow.input("in", new Aborting()).output("out", new TestingSink([]));
    await expect(runFlow(flow)).resolves.toBe("aborted");
  });
});

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
} from "../../src/index.js";
import { runMain, TestingSink, TestingSource } from "../../src/testing/index.js";
import { runFlow } from "../../src/run/runMain.js";
import type { EncodedSnapshot as SnapshotEntry } from "../../src/run/internal/node.js";

/** A partition over a list of batches; `null` entries in `batches` are returned as is. */
class ListPartition extends StatefulSourcePartition<unknown, number> {
  constructor(private readonly batches: unknown[], private i: number, private readonly awakeMs?: number) {
    super();
  }
  nextBatch(): Iterable<unknown> | null {
    if (this.i >= this.batches.length) return null;
    // Deliberately unchecked: tests feed non-iterables too.
    return this.batches[this.i++] as Iterable<unknown> | null;
  }
  override nextAwake(): Date | undefined {
    return this.awakeMs === undefined ? undefined : new Date(Date.now() + this.awakeMs);
  }
  snapshot(): number {
    return this.i;
  }
}

class ListSource extends FixedPartitionedSource<unknown, number> {
  constructor(private readonly parts: Record<string, unknown[]>, private readonly awakeMs?: number) {
    super();
  }
  listParts(): string[] {
    return Object.keys(this.parts);
  }
  buildPart(_s: string, part: string, resume: number | undefined): ListPartition {
    return new ListPartition(this.parts[part], resume ?? 0, this.awakeMs);
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
    const epochs: number[] = [];
    const flow = new Dataflow("f");
    flow
      .input("in", new TestingSource([1, TestingSource.PAUSE(120), 2]))
      .inspectDebug("dbg", (_s, _x, e) => epochs.push(e))
      .output("out", new TestingSink([]));
    await runMain(flow, { epochInterval: 50 });
    expect(epochs[0]).toBe(1);
    expect(epochs[1]).toBeGreaterThanOrEqual(2);
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
    await runMain(flow);
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
      build(): StatelessSourcePartition<number> {
        let n = 0;
        return new (class extends StatelessSourcePartition<number> {
          nextBatch(): number[] {
            return [n++];
          }
          override nextAwake(): Date {
            return new Date(Date.now() + 5);
          }
        })();
      }
    }
    const out: number[] = [];
    const flow = new Dataflow("f");
    flow.input("in", new Forever()).output("out", new TestingSink(out));
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(), 60);
    await expect(runFlow(flow, { signal: ctl.signal })).resolves.toBe("stopped");
    expect(out.length).toBeGreaterThan(2);
    expect(out).toEqual(out.map((_, i) => i));
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
            await new Promise((r) => setTimeout(r, 2));
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

  it("polls on nextAwake spacing without burning CPU", async () => {
    const polls: number[] = [];
    class Spaced extends StatelessSourcePartition<number> {
      private n = 0;
      nextBatch(): number[] | null {
        polls.push(Date.now());
        return this.n < 8 ? [this.n++] : null;
      }
      override nextAwake(): Date {
        return new Date(Date.now() + 100);
      }
    }
    class SpacedSource extends DynamicSource<number> {
      build(): Spaced {
        return new Spaced();
      }
    }
    const flow = new Dataflow("f");
    flow.input("in", new SpacedSource()).output("out", new TestingSink([]));
    const cpu0 = process.cpuUsage();
    const t0 = Date.now();
    await runMain(flow);
    const wallMs = Date.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    expect(polls).toHaveLength(9);
    for (let i = 1; i < polls.length; i++) expect(polls[i] - polls[i - 1]).toBeGreaterThanOrEqual(95);
    expect(wallMs).toBeGreaterThanOrEqual(800);
    // Sleeping between polls, the process uses a small fraction of a core.
    expect(cpuMs).toBeLessThan(wallMs * 0.2);
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

// `listParts` of a fixed-partitioned source or sink may return a Promise (a
// connector asking a broker): the executor awaits it before building any
// partition, and a rejection fails the run like a synchronous throw. The same
// on several workers: test/run/workers.test.ts.
import { describe, expect, it } from "vitest";
import {
  Dataflow,
  FixedPartitionedSink,
  FixedPartitionedSource,
  StatefulSinkPartition,
  StatefulSourcePartition,
  StepError,
} from "../../src/index.js";
import { runMain } from "../../src/testing/index.js";

/** How a `listParts` answers. */
type Listing = "sync" | "async" | "throws" | "rejects";

/** `names` the way `how` says, logging `listed` to `log` when they are available. */
function answer(how: Listing, names: string[], log: string[]): string[] | Promise<string[]> {
  const fail = (): never => {
    throw new Error("the partition service is down");
  };
  const ready = (): string[] => {
    log.push("listed");
    return names;
  };
  if (how === "sync") return ready();
  if (how === "throws") return fail();
  // A macrotask later, as a reply from a broker would be.
  return new Promise((resolve) => setImmediate(resolve)).then(how === "async" ? ready : fail);
}

/** Partitions `p0`, `p1`, each `[<partition>, n]` for n in 0..2. */
class ListedSource extends FixedPartitionedSource<readonly [string, number], number> {
  readonly log: string[] = [];
  constructor(private readonly how: Listing) {
    super();
  }
  listParts(): string[] | Promise<string[]> {
    return answer(this.how, ["p1", "p0"], this.log);
  }
  buildPart(_stepId: string, part: string, resume: number | undefined): StatefulSourcePartition<readonly [string, number], number> {
    this.log.push(`build ${part}`);
    let i = resume ?? 0;
    return new (class extends StatefulSourcePartition<readonly [string, number], number> {
      nextBatch(): (readonly [string, number])[] | null {
        return i < 3 ? [[part, i++]] : null;
      }
      snapshot(): number {
        return i;
      }
    })();
  }
}

/** Partitions `s0`, `s1`, writing to `written`. */
class ListedSink extends FixedPartitionedSink<number, number> {
  readonly log: string[] = [];
  readonly written = new Map<string, number[]>();
  constructor(private readonly how: Listing) {
    super();
  }
  listParts(): string[] | Promise<string[]> {
    return answer(this.how, ["s1", "s0"], this.log);
  }
  buildPart(_stepId: string, part: string): StatefulSinkPartition<number, number> {
    this.log.push(`build ${part}`);
    const out: number[] = [];
    this.written.set(part, out);
    return new (class extends StatefulSinkPartition<number, number> {
      writeBatch(values: number[]): void {
        out.push(...values);
      }
      snapshot(): number {
        return out.length;
      }
    })();
  }
}

function flowOf(source: ListedSource, sink: ListedSink): Dataflow {
  const flow = new Dataflow("f");
  flow.input("in", source).output("out", sink);
  return flow;
}

describe("listParts", () => {
  it("is awaited, for a source and a sink, before any of their partitions is built", async () => {
    const source = new ListedSource("async");
    const sink = new ListedSink("async");
    await runMain(flowOf(source, sink));
    expect(source.log).toEqual(["listed", "build p0", "build p1"]);
    expect(sink.log).toEqual(["listed", "build s0", "build s1"]);
    // Keys "p0" and "p1" go to sortedParts[stableHash(key) % 2], as with a synchronous listing.
    const sync = new ListedSink("sync");
    await runMain(flowOf(new ListedSource("sync"), sync));
    expect(sink.written).toEqual(sync.written);
    expect([...sink.written.values()].flat().sort()).toEqual([0, 0, 1, 1, 2, 2]);
  });

  for (const how of ["throws", "rejects"] as const) {
    it(`that ${how} fails the run with a StepError naming the source's step, before any partition is built`, async () => {
      const source = new ListedSource(how);
      const err = await runMain(flowOf(source, new ListedSink("sync"))).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StepError);
      expect(err).toMatchObject({ stepId: "f.in", message: "error calling `listParts` in step 'f.in': the partition service is down" });
      expect((err as StepError).cause).toBeInstanceOf(Error);
      expect(source.log).toEqual([]);
    });

    it(`that ${how} fails the run with a StepError naming the sink's step, before any sink partition is built`, async () => {
      const sink = new ListedSink(how);
      const err = await runMain(flowOf(new ListedSource("async"), sink)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StepError);
      expect(err).toMatchObject({ stepId: "f.out", message: "error calling `listParts` in step 'f.out': the partition service is down" });
      expect(sink.log).toEqual([]);
    });
  }
});

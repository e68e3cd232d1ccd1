// A sink partition's `commit()`: called once per `snapshot()`, in order,
// after the epoch's snapshot is stored; a failed commit fails the run naming
// the step and the partition. With several workers and with Kafka:
// test/connectors/kafka/transactional.test.ts and txnChaos.test.ts.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Dataflow, FixedPartitionedSink, RecoveryConfig, StatefulSinkPartition, StepError, initDbDir } from "../../src/index.js";
import { runFlow } from "../../src/run/runMain.js";
import { TestingSource } from "../../src/testing/index.js";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Partitions `a`, `b`; logs snapshots and commits; `commit` of `failAt` rejects. */
class TwoPhaseSink extends FixedPartitionedSink<number, number> {
  readonly log: string[] = [];
  constructor(private readonly failAt = -1) {
    super();
  }
  listParts(): string[] {
    return ["a", "b"];
  }
  override partFn(key: string): number {
    return key === "a" ? 0 : 1;
  }
  buildPart(_stepId: string, part: string): StatefulSinkPartition<number, number> {
    const { log, failAt } = this;
    let written = 0;
    let commits = 0;
    return new (class extends StatefulSinkPartition<number, number> {
      writeBatch(values: number[]): void {
        written += values.length;
      }
      snapshot(): number {
        log.push(`snapshot ${part} ${written}`);
        return written;
      }
      override commit(): Promise<void> {
        const n = commits++;
        return new Promise((resolve) => setImmediate(resolve)).then(() => {
          log.push(`commit ${part} ${n}`);
          if (n === failAt) throw new Error("the broker said no");
        });
      }
    })();
  }
}

function flowTo(sink: TwoPhaseSink): Dataflow {
  const flow = new Dataflow("two_phase");
  const items = Array.from({ length: 10 }, (_, i) => i);
  flow
    .input("in", new TestingSource(items, 2))
    .map("key", (n): [string, number] => [n % 3 === 0 ? "a" : "b", n])
    .output("out", sink);
  return flow;
}

describe("two-phase sink partitions", () => {
  it("commit once per snapshot, in order, each after its epoch is stored", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-2pc-"));
    dirs.push(dir);
    initDbDir(dir, 1);
    const sink = new TwoPhaseSink();
    const stored: string[] = [];
    await runFlow(flowTo(sink), {
      epochInterval: 0,
      recovery: new RecoveryConfig(dir),
      onEpochClose: (epoch) => {
        stored.push(`stored ${epoch}`);
        sink.log.push(`stored ${epoch}`);
      },
    });
    const snapshots = sink.log.filter((l) => l.startsWith("snapshot")).length;
    const commits = sink.log.filter((l) => l.startsWith("commit")).length;
    expect(snapshots).toBeGreaterThan(2);
    expect(commits).toBe(snapshots);
    // Each partition's commits come in order, each after the epoch holding its snapshot was stored.
    for (const part of ["a", "b"]) {
      let snaps = 0;
      let storedSince = 0;
      let next = 0;
      for (const line of sink.log) {
        if (line.startsWith(`snapshot ${part}`)) snaps++;
        if (line.startsWith("stored") && snaps > storedSince) storedSince = snaps;
        if (line.startsWith(`commit ${part}`)) {
          expect(line).toBe(`commit ${part} ${next++}`);
          expect(next).toBeLessThanOrEqual(storedSince);
        }
      }
      expect(next).toBe(snaps);
    }
    expect(stored.length).toBeGreaterThan(0);
  });

  it("a commit that fails fails the run with a StepError naming the step and the partition", async () => {
    const err = await runFlow(flowTo(new TwoPhaseSink(1)), { epochInterval: 0 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StepError);
    expect((err as StepError).stepId).toBe("two_phase.out");
    expect(String((err as Error).message)).toMatch(/commit/);
    expect(String((err as Error).message)).toMatch(/the broker said no/);
  });
});

import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BuildError, Dataflow, initDbDir, op, RecoveryConfig, StatefulBatchLogic, type KeyedStream, type LogicResult, type Stream } from "../../../src/index.js";
import { runMain, TestingSink, TestingSource, VirtualClock } from "../../../src/testing/index.js";
import { runFlow } from "../../../src/run/runMain.js";
import type { EncodedSnapshot } from "../../../src/run/internal/node.js";

type Walk = readonly [start: number, x: number, steps: number];

/** Collatz: every number of `source` goes round the loop until it reaches 1; emits "n: steps". */
function collatz(flow: Dataflow, source: TestingSource<number>): Stream<string> {
  const loop = op.feedback<Walk>("loop", flow);
  const start = flow.input("in", source).map("start", (n): Walk => [n, n, 0]);
  const step = op.merge("all", start, loop.stream).map("step", ([n, x, k]): Walk => [n, x % 2 === 1 ? 3 * x + 1 : x / 2, k + 1]);
  const { trues: done, falses: more } = step.branch("done", ([, x]) => x === 1);
  loop.from(more);
  return done.map("fmt", ([n, , k]) => `${n}: ${k}`);
}

/** Steps Collatz takes from `n` to 1, computed directly. */
function collatzSteps(n: number): number {
  let k = 0;
  for (let x = n; x !== 1; x = x % 2 === 1 ? 3 * x + 1 : x / 2) k++;
  return k;
}

/** Counts each key's hits, emitting `[key, round]` for every ball it returns. */
class Player extends StatefulBatchLogic<number, number, number> {
  constructor(private hits = 0) {
    super();
  }
  onBatch(rounds: number[]): LogicResult<number> {
    this.hits += rounds.length;
    return [rounds, StatefulBatchLogic.RETAIN];
  }
  override onEof(): LogicResult<number> {
    return [[-this.hits], StatefulBatchLogic.DISCARD];
  }
  snapshot(): number {
    return this.hits;
  }
}

/** Ping-pong for `rounds` rounds between keys "ping" and "pong": `[key, round]` of the last ball, then `[key, -hits]` at EOF. */
function pingPong(flow: Dataflow, rounds: number): KeyedStream<number> {
  const loop = op.feedback<readonly [string, number]>("loop", flow);
  const serve = flow.input("serve", new TestingSource<readonly [string, number]>([["ping", 0]]));
  const hits = op.merge("all", serve, loop.stream).statefulBatch("player", (resume: number | undefined) => new Player(resume));
  const { trues: out, falses: back } = hits.branch("over", ([, round]) => round < 0 || round >= rounds);
  loop.from(back.map("return", ([key, round]): readonly [string, number] => [key === "ping" ? "pong" : "ping", round + 1]));
  return out;
}

describe("op.feedback", () => {
  it("iterates: every number goes round the loop until it reaches 1, and the flow ends", async () => {
    const numbers = [1, 6, 7, 27, 97];
    const out: string[] = [];
    const flow = new Dataflow("f");
    collatz(flow, new TestingSource(numbers, 2)).output("out", new TestingSink(out));
    await runMain(flow);
    // 1 goes round once too: 1 -> 4 -> 2 -> 1.
    expect(out.sort()).toEqual(numbers.map((n) => `${n}: ${n === 1 ? 3 : collatzSteps(n)}`).sort());
  });

  it("carries keyed state round a loop: ping-pong between two keys for 50 rounds", async () => {
    const out: [string, number][] = [];
    const flow = new Dataflow("f");
    pingPong(flow, 50).output("out", new TestingSink(out));
    await runMain(flow);
    // The last ball (round 50) reaches "ping"; then the loop is quiet and EOF gives each player's hit count.
    expect(out).toEqual([
      ["ping", 50],
      ["ping", -26],
      ["pong", -25],
    ]);
  });

  it("processes items fed back during an open epoch in that epoch", async () => {
    const epochs: [number, number][] = [];
    const flow = new Dataflow("f");
    collatz(flow, new TestingSource([27])).inspectDebug("seen", (_id, item, epoch) => void epochs.push([Number(item.split(":")[0]), epoch]));
    // One long epoch: 111 trips round the loop, all in epoch 1.
    await runMain(flow, { clock: new VirtualClock(0), epochInterval: 10_000 });
    expect(epochs).toEqual([[27, 1]]);
  });

  it("snapshots what is in flight when an epoch closes, and a resumed run processes it first: nothing lost or repeated", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-loop-"));
    initDbDir(dir, 2);
    const recovery = new RecoveryConfig(dir);
    const input = [6, 7, 9, TestingSource.ABORT(), 27, 31];
    const out: string[] = [];
    const inFlight: number[] = [];
    const record = (_epoch: number, entries: EncodedSnapshot[]): void => {
      for (const e of entries) if (e.stepId === "f.loop" && e.bytes !== null) inFlight.push((e.state as unknown[]).length);
    };
    const build = (): Dataflow => {
      const flow = new Dataflow("f");
      collatz(flow, new TestingSource<number>(input as number[])).output("out", new TestingSink(out));
      return flow;
    };
    // One epoch per batch: the source aborts while 6, 7 and 9 are still going round.
    expect(await runFlow(build(), { epochInterval: 0, recovery, onEpochClose: record })).toBe("aborted");
    expect(out).toEqual([]);
    expect(Math.max(...inFlight)).toBe(3);
    expect(await runFlow(build(), { epochInterval: 0, recovery })).toBe("eof");
    expect(out.sort()).toEqual([6, 7, 9, 27, 31].map((n) => `${n}: ${collatzSteps(n)}`).sort());
  });

  describe("a loop that keeps feeding itself never holds an epoch open", () => {
    /** A loop counting up forever; the run stops once `epochs` epochs closed. */
    async function forever(options: { epochInterval: number }, epochs: number): Promise<number[]> {
      const closed: number[] = [];
      const flow = new Dataflow("f");
      const loop = op.feedback<number>("loop", flow);
      const counted = op.merge("all", flow.input("in", new TestingSource([0])), loop.stream).map("inc", (x) => x + 1);
      loop.from(counted);
      counted.filter("none", () => false).output("out", new TestingSink([]));
      const stop = new AbortController();
      const onEpochClose = (epoch: number): void => {
        closed.push(epoch);
        if (closed.length === epochs) stop.abort();
      };
      expect(await runFlow(flow, { ...options, signal: stop.signal, onEpochClose })).toBe("stopped");
      return closed;
    }

    it("with an epoch per batch, each round of the loop closes one", async () => {
      expect(await forever({ epochInterval: 0 }, 5)).toEqual([1, 2, 3, 4, 5]);
    });

    it("with epochs on time, they close on time while the loop runs", async () => {
      // The system clock: virtual time does not pass while a flow is busy.
      expect(await forever({ epochInterval: 10 }, 3)).toEqual([1, 2, 3]);
    });
  });

  it("a loop ends once its inputs ended and nothing is in flight: steps after it see EOF then", async () => {
    const out: [string, number][] = [];
    const flow = new Dataflow("f");
    collatz(flow, new TestingSource([3, 5])).countFinal("count", () => "done").output("out", new TestingSink(out));
    await runMain(flow);
    expect(out).toEqual([["done", 2]]);
  });

  it("a loop whose input is empty ends at once", async () => {
    const out: string[] = [];
    const flow = new Dataflow("f");
    collatz(flow, new TestingSource<number>([])).output("out", new TestingSink(out));
    await runMain(flow);
    expect(out).toEqual([]);
  });

  it("keeps items that reach a loop after it ended in its snapshot; the next run with recovery processes them first", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-loop-"));
    initDbDir(dir, 1);
    const recovery = new RecoveryConfig(dir);
    /** Sends one more ball round the loop from onEof, once per key. */
    class LastWord extends StatefulBatchLogic<string, string, boolean> {
      constructor(private said: boolean) {
        super();
      }
      onBatch(values: string[]): LogicResult<string> {
        return [values.filter((v) => v !== "again").map((v) => `${v}!`), StatefulBatchLogic.RETAIN];
      }
      override onEof(): LogicResult<string> {
        if (this.said) return [[], StatefulBatchLogic.RETAIN];
        this.said = true;
        return [["again"], StatefulBatchLogic.RETAIN];
      }
      snapshot(): boolean {
        return this.said;
      }
    }
    const run = async (): Promise<string[]> => {
      const out: string[] = [];
      const flow = new Dataflow("f");
      const loop = op.feedback<readonly [string, string]>("loop", flow);
      const said = op
        .merge("all", flow.input("in", new TestingSource<readonly [string, string]>([["k", "hi"]])), loop.stream)
        .inspect("seen", (_id, [, v]) => void out.push(`seen ${v}`))
        .statefulBatch("last", (resume: boolean | undefined) => new LastWord(resume ?? false));
      loop.from(said.filter("again", ([, v]) => v === "again"));
      said.filter("words", ([, v]) => v !== "again").map("v", ([, v]) => v).output("out", new TestingSink(out));
      await runMain(flow, { recovery, epochInterval: 0 });
      return out;
    };
    // The loop ended before "again" came back: it is not processed, but not lost.
    expect(await run()).toEqual(["seen hi", "hi!"]);
    expect(await run()).toEqual(["seen again"]);
    expect(await run()).toEqual([]);
  });

  it("rejects a loop that is never fed, fed twice, or fed from another flow", async () => {
    const flow = new Dataflow("f");
    const loop = op.feedback<number>("loop", flow);
    loop.stream.output("out", new TestingSink([]));
    flow.input("in", new TestingSource([1])).output("o2", new TestingSink([]));
    await expect(runMain(flow)).rejects.toThrow(/feedback step 'f.loop' is never fed/);
    const other = new Dataflow("g").input("in", new TestingSource([1]));
    expect(() => loop.from(other)).toThrow(BuildError);
    expect(() => loop.from(other)).toThrow(/same dataflow/);
    expect(() => loop.from(42 as unknown as Stream<number>)).toThrow(/needs a Stream; got number/);
    loop.from(loop.stream.map("again", (x) => x));
    expect(() => loop.from(loop.stream)).toThrow(/feedback step 'f.loop' is already fed/);
    expect(() => op.feedback("x", {} as Dataflow)).toThrow(/needs a Dataflow/);
  });
});

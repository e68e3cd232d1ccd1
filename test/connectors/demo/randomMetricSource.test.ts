import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { RandomMetricSource } from "../../../src/connectors/demo/index.js";
import { Dataflow } from "../../../src/dataflow/dataflow.js";
import { BuildError, ConnectorError, StepError } from "../../../src/errors.js";
import type { StatefulSourcePartition } from "../../../src/inputs/source.js";
import { RecoveryConfig } from "../../../src/recovery/config.js";
import { initDbDir } from "../../../src/recovery/initDbDir.js";
import { defaultSerde } from "../../../src/recovery/serde.js";
import { runMain, TestingSink } from "../../../src/testing/index.js";

type Metric = readonly [string, number];

/** 1, 2, 3, … : a deterministic `nextRandom`. */
function counter(): () => number {
  let n = 0;
  return () => ++n;
}

/** The partition's `nextBatch` is synchronous. */
type SyncPart = Omit<StatefulSourcePartition<Metric, number>, "nextBatch"> & { nextBatch(): Metric[] | null };

function build(src: RandomMetricSource, resume?: number): SyncPart {
  return src.buildPart("demo.in", src.name, resume) as unknown as SyncPart;
}

afterEach(() => {
  vi.useRealTimers();
});

describe("RandomMetricSource", () => {
  it("has one partition named after the metric", () => {
    expect(new RandomMetricSource("cpu").listParts()).toEqual(["cpu"]);
  });

  it("emits [name, value] pairs from nextRandom and ends after count", () => {
    const part = build(new RandomMetricSource("cpu", { interval: 0, count: 3, nextRandom: counter() }));
    expect(part.nextBatch()).toEqual([["cpu", 1]]);
    expect(part.nextBatch()).toEqual([["cpu", 2]]);
    expect(part.nextBatch()).toEqual([["cpu", 3]]);
    expect(part.nextAwake?.()).toBeUndefined(); // end at once, not one interval later
    expect(part.nextBatch()).toBeNull();
    expect(part.snapshot()).toBe(3);
  });

  it("defaults to integers from 0 to 9", () => {
    const part = build(new RandomMetricSource("mem", { interval: 0, count: 200 }));
    const values: number[] = [];
    for (let i = 0; i < 200; i++) values.push(...(part.nextBatch() ?? []).map(([, v]) => v));
    expect(values).toHaveLength(200);
    for (const v of values) expect(Number.isInteger(v) && v >= 0 && v <= 9).toBe(true);
    expect(new Set(values).size).toBeGreaterThan(1);
  });

  it("emits the first value at once, then one per interval on a fixed schedule", () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const t0 = Date.parse("2024-05-01T00:00:00Z");
    vi.setSystemTime(t0);
    const part = build(new RandomMetricSource("cpu", { interval: 1000, nextRandom: counter() }));
    expect(part.nextBatch()).toEqual([["cpu", 1]]);
    expect(part.nextAwake?.()).toEqual(new Date(t0 + 1000));
    vi.setSystemTime(t0 + 999);
    expect(part.nextBatch()).toEqual([]); // polled early: nothing
    vi.setSystemTime(t0 + 1000);
    expect(part.nextBatch()).toEqual([["cpu", 2]]);
    vi.setSystemTime(t0 + 2700); // late poll: the schedule does not drift
    expect(part.nextBatch()).toEqual([["cpu", 3]]);
    expect(part.nextAwake?.()).toEqual(new Date(t0 + 3000));
  });

  it("resume state round-trips through the state serde", () => {
    const src = new RandomMetricSource("cpu", { interval: 0, count: 5, nextRandom: counter() });
    const first = build(src);
    expect([first.nextBatch(), first.nextBatch()]).toEqual([[["cpu", 1]], [["cpu", 2]]]);
    const state = defaultSerde.deserialize(defaultSerde.serialize(first.snapshot())) as number;
    expect(state).toBe(2);
    const second = build(src, state);
    const rest: Metric[] = [];
    for (let batch = second.nextBatch(); batch !== null; batch = second.nextBatch()) rest.push(...batch);
    expect(rest.map(([name]) => name)).toEqual(["cpu", "cpu", "cpu"]); // 3 more: 5 in all
    expect(second.snapshot()).toBe(5);
    expect(build(src, 5).nextBatch()).toBeNull();
  });

  it("resumes a stopped run from its snapshot with recovery, emitting count values in all", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-demo-"));
    try {
      initDbDir(dir, 1);
      const makeFlow = (out: Metric[], stopAfter: number, controller: AbortController): Dataflow => {
        const flow = new Dataflow("demo");
        flow
          .input("cpu", new RandomMetricSource("cpu", { interval: 1, count: 6, nextRandom: counter() }))
          .inspect("stop", () => {
            if (out.length + 1 >= stopAfter) controller.abort();
          })
          .output("out", new TestingSink(out));
        return flow;
      };
      const first: Metric[] = [];
      const c1 = new AbortController();
      await runMain(makeFlow(first, 4, c1), { epochInterval: 0, recovery: new RecoveryConfig(dir), signal: c1.signal });
      expect(first).toHaveLength(4);
      const second: Metric[] = [];
      await runMain(makeFlow(second, Infinity, new AbortController()), { epochInterval: 0, recovery: new RecoveryConfig(dir) });
      // Every epoch was a single batch and closed before the stop, so the
      // second run emits exactly the 2 values left (its counter restarts at 1).
      expect(second).toEqual([["cpu", 1], ["cpu", 2]]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("runs in a flow at the given pace", async () => {
    const out: Metric[] = [];
    const flow = new Dataflow("demo");
    flow.input("cpu", new RandomMetricSource("cpu", { interval: 30, count: 4, nextRandom: () => 7 })).output("out", new TestingSink(out));
    const start = performance.now();
    await runMain(flow, { epochInterval: 0 });
    const elapsed = performance.now() - start;
    expect(out).toEqual([["cpu", 7], ["cpu", 7], ["cpu", 7], ["cpu", 7]]);
    expect(elapsed).toBeGreaterThanOrEqual(85); // 3 intervals between 4 values
    expect(elapsed).toBeLessThan(2000);
  });

  it("fails the run with a StepError when nextRandom throws or returns a non-number", async () => {
    for (const nextRandom of [
      () => {
        throw new Error("no entropy");
      },
      () => "7" as unknown as number,
    ]) {
      const flow = new Dataflow("demo");
      flow.input("cpu", new RandomMetricSource("cpu", { nextRandom })).output("out", new TestingSink([]));
      const err = await runMain(flow).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(StepError);
      expect((err as StepError).stepId).toBe("demo.cpu");
      expect((err as StepError).partition).toBe("cpu");
      expect((err as StepError).message).toMatch(/`nextRandom` of partition 'cpu' in step 'demo.cpu': (no entropy|TypeError: `nextRandom` must return a number; got string)/);
    }
  });

  it("rejects bad options and bad resume states", () => {
    expect(() => new RandomMetricSource("")).toThrow(BuildError);
    expect(() => new RandomMetricSource("m", { interval: -1 })).toThrow(/interval/);
    expect(() => new RandomMetricSource("m", { count: 1.5 })).toThrow(/count/);
    expect(() => new RandomMetricSource("m", { nextRandom: 3 as unknown as () => number })).toThrow(/nextRandom/);
    const src = new RandomMetricSource("m");
    expect(() => src.buildPart("demo.in", "other", undefined)).toThrow(ConnectorError);
    expect(() => src.buildPart("demo.in", "m", -2)).toThrow(/cannot resume from -2/);
  });
});

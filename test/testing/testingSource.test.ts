import { describe, expect, expectTypeOf, it } from "vitest";
import { AbortExecution } from "../../src/errors.js";
import type { StatefulSourcePartition } from "../../src/inputs/source.js";
import { TestingSource, TestingSourceAbort, type TestingSourceMarker } from "../../src/testing/testingSource.js";
import { VirtualClock } from "../../src/testing/virtualClock.js";

/** Build the partition, on `clock` when given (as a run on it would). */
function build<X>(src: TestingSource<X>, resume?: number, clock?: VirtualClock): StatefulSourcePartition<X, number> {
  const context = clock === undefined ? undefined : { clock, worker: 0, workerCount: 1 };
  return src.buildPart("f.in", "iterable", resume, context) as StatefulSourcePartition<X, number>;
}

/** Read batches until null, recording each batch and the snapshot after it. */
function drain<X>(part: StatefulSourcePartition<X, number>): { batches: X[][]; snaps: number[] } {
  const batches: X[][] = [];
  const snaps: number[] = [];
  for (let b = part.nextBatch(); b !== null; b = part.nextBatch()) {
    batches.push([...(b as Iterable<X>)]);
    snaps.push(part.snapshot());
  }
  return { batches, snaps };
}

describe("TestingSource", () => {
  it("has one partition and reads items in batches of batchSize", () => {
    const src = new TestingSource([1, 2, 3, 4, 5], 2);
    expect(src.listParts()).toEqual(["iterable"]);
    expect(drain(build(src))).toEqual({ batches: [[1, 2], [3, 4], [5]], snaps: [2, 4, 5] });
    expect(drain(build(new TestingSource(["a", "b"])))).toEqual({ batches: [["a"], ["b"]], snaps: [1, 2] });
  });

  it("infers the item type without the markers", () => {
    const src = new TestingSource([1, TestingSource.EOF(), 2]);
    expectTypeOf(src).toEqualTypeOf<TestingSource<number>>();
    expect(build(src).nextBatch()).toEqual([1]);
  });

  it("resumes from every snapshot position", () => {
    const items = ["a", "b", "c", "d", "e"];
    const src = new TestingSource(items, 2);
    for (let i = 0; i <= items.length; i++) {
      const all = drain(build(src, i)).batches.flat();
      expect(all).toEqual(items.slice(i));
    }
    expect(build(src, 99).nextBatch()).toBeNull();
  });

  it("re-iterates any iterable and fast-forwards on resume", () => {
    const set = new Set([10, 20, 30]);
    expect(drain(build(new TestingSource(set), 1)).batches).toEqual([[20], [30]]);
    const gen = { *[Symbol.iterator]() { yield* ["x", "y", "z"]; } };
    expect(drain(build(new TestingSource(gen, 5), 2)).batches).toEqual([["z"]]);
  });

  describe("EOF", () => {
    const items = [1, 2, 3, TestingSource.EOF(), 4, 5];

    it("ends the batch before it, then ends the input; a resume reads on after it", () => {
      const part = build(new TestingSource(items, 2));
      expect(part.nextBatch()).toEqual([1, 2]);
      expect(part.nextBatch()).toEqual([3]);
      expect(part.snapshot()).toBe(4); // past the marker
      expect(part.nextBatch()).toBeNull();
      expect(part.nextBatch()).toBeNull();

      const resumed = drain(build(new TestingSource(items, 2), 4));
      expect(resumed).toEqual({ batches: [[4, 5]], snaps: [6] });
    });

    it("ends at once when the batch before it is empty", () => {
      const part = build(new TestingSource(items, 3));
      expect(part.nextBatch()).toEqual([1, 2, 3]);
      expect(part.nextBatch()).toBeNull();
      expect(part.snapshot()).toBe(4);
    });

    it("resumes from each position around it", () => {
      const src = new TestingSource(items, 10);
      expect(drain(build(src, 0)).batches).toEqual([[1, 2, 3]]);
      expect(drain(build(src, 3)).batches).toEqual([]); // at the marker
      expect(drain(build(src, 4)).batches).toEqual([[4, 5]]);
    });
  });

  describe("ABORT", () => {
    it("aborts the first run once, and a resumed run passes it", () => {
      const abort = TestingSource.ABORT();
      const items = [1, 2, 3, abort, 4, 5];
      const src = new TestingSource(items, 2);
      const part = build(src);
      expect(part.nextBatch()).toEqual([1, 2]);
      expect(part.nextBatch()).toEqual([3]);
      expect(abort.fired).toBe(true);
      expect(part.snapshot()).toBe(4);
      expect(() => part.nextBatch()).toThrow(AbortExecution);

      // Resumed from before the marker: it is skipped now.
      expect(drain(build(src, 2))).toEqual({ batches: [[3, 4], [5]], snaps: [5, 6] });
      // Resumed from after it.
      expect(drain(build(src, 4)).batches).toEqual([[4, 5]]);
    });

    it("throws at once when the batch before it is empty", () => {
      const items: (number | TestingSourceMarker)[] = [1, TestingSource.ABORT(), 2];
      const part = build(new TestingSource(items));
      expect(part.nextBatch()).toEqual([1]);
      expect(() => part.nextBatch()).toThrow(AbortExecution);
      expect(part.snapshot()).toBe(2);
      expect(drain(build(new TestingSource(items), 1)).batches).toEqual([[2]]);
    });

    it("fires each marker object once, in order", () => {
      const a1 = new TestingSourceAbort();
      const a2 = TestingSource.ABORT();
      const src = new TestingSource(["x", a1, "y", a2, "z"], 10);
      const run1 = build(src);
      expect(run1.nextBatch()).toEqual(["x"]);
      expect(() => run1.nextBatch()).toThrow(AbortExecution);
      const run2 = build(src, 0);
      expect(run2.nextBatch()).toEqual(["x", "y"]);
      expect(() => run2.nextBatch()).toThrow(AbortExecution);
      expect([a1.fired, a2.fired]).toEqual([true, true]);
      expect(drain(build(src, 0)).batches).toEqual([["x", "y", "z"]]);
    });
  });

  describe("PAUSE", () => {
    it("ends the batch before it, is consumed, and sets nextAwake to now + ms once, on the run's clock", () => {
      const clock = new VirtualClock(Date.parse("2024-01-01T00:00:00Z"));
      const items = [1, 2, TestingSource.PAUSE(500), 3, 4];
      const part = build(new TestingSource(items, 10), undefined, clock);
      expect(part.nextAwake?.()).toBeUndefined();
      expect(part.nextBatch()).toEqual([1, 2]);
      expect(part.snapshot()).toBe(3);
      expect(part.nextAwake?.()).toEqual(new Date("2024-01-01T00:00:00.500Z"));
      expect(part.nextBatch()).toEqual([3, 4]);
      expect(part.nextAwake?.()).toBeUndefined();
      expect(part.nextBatch()).toBeNull();

      expect(drain(build(new TestingSource(items, 10), 2, clock)).batches).toEqual([[], [3, 4]]);
      expect(drain(build(new TestingSource(items, 10), 3, clock)).batches).toEqual([[3, 4]]);
    });
  });

  it("validates its arguments", () => {
    expect(() => new TestingSource([1], 0)).toThrow(RangeError);
    expect(() => TestingSource.PAUSE(-1)).toThrow(RangeError);
    expect(() => new TestingSource([1]).buildPart("f.in", "nope", undefined)).toThrow(/iterable/);
    expect(() => new TestingSource([1]).buildPart("f.in", "iterable", -1)).toThrow(RangeError);
  });
});

import { Observable, Subject, from, interval, map, range, take, throwError, concat, of } from "rxjs";
import { describe, expect, it } from "vitest";
import { ObservableSource } from "../../../src/connectors/rxjs/index.js";
import { Dataflow } from "../../../src/dataflow/dataflow.js";
import { BuildError, ConnectorError, StepError } from "../../../src/errors.js";
import type { StatelessSourcePartition } from "../../../src/inputs/source.js";
import { runMain, TestingSink } from "../../../src/testing/index.js";

async function runInto<X>(source: ObservableSource<X>): Promise<{ out: X[]; error: unknown }> {
  const out: X[] = [];
  const flow = new Dataflow("rx");
  flow.input("in", source).output("out", new TestingSink(out));
  const error = await runMain(flow, { epochInterval: 0 }).then(
    () => undefined,
    (err: unknown) => err,
  );
  return { out, error };
}

function build<X>(source: ObservableSource<X>): StatelessSourcePartition<X> {
  return source.build("rx.in", 0, 1) as StatelessSourcePartition<X>;
}

/** Every batch until `null`, or until `max` calls. */
function drain<X>(part: StatelessSourcePartition<X>, max = 1000): X[][] {
  const batches: X[][] = [];
  for (let i = 0; i < max; i++) {
    const b = part.nextBatch() as X[] | null;
    if (b === null) return batches;
    batches.push(b);
  }
  throw new Error("no end of input");
}

describe("ObservableSource", () => {
  it("emits a synchronous Observable's values and ends at complete", async () => {
    const { out, error } = await runInto(new ObservableSource(() => from(["a", "b", "c"])));
    expect(error).toBeUndefined();
    expect(out).toEqual(["a", "b", "c"]);
  });

  it("emits values arriving over time, in order, and ends when the Observable completes", async () => {
    const { out, error } = await runInto(new ObservableSource(() => interval(5).pipe(take(10), map((i) => i * 10))));
    expect(error).toBeUndefined();
    expect(out).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90]);
  });

  it("calls the factory with the worker index and count, and accepts any ObservableInput", async () => {
    const calls: [number, number][] = [];
    const { out } = await runInto(
      new ObservableSource((w, n) => {
        calls.push([w, n]);
        return Promise.resolve(`worker ${w} of ${n}`);
      }),
    );
    expect(calls).toEqual([[0, 1]]);
    expect(out).toEqual(["worker 0 of 1"]);
  });

  it("fails the run with a StepError naming the step after emitting the values before the error", async () => {
    const boom = new Error("feed broke");
    const { out, error } = await runInto(new ObservableSource(() => concat(of(1, 2), throwError(() => boom))));
    expect(out).toEqual([1, 2]);
    expect(error).toBeInstanceOf(StepError);
    const e = error as StepError;
    expect(e.stepId).toBe("rx.in");
    expect(e.partition).toBe("worker-0");
    expect(e.cause).toBe(boom);
    expect(e.message).toBe("the Observable of step 'rx.in' (worker 0) failed: feed broke");
  });

  it("fails the run with a StepError when the factory throws or returns no Observable", async () => {
    const thrown = await runInto(
      new ObservableSource<number>(() => {
        throw new Error("no feed");
      }),
    );
    expect(thrown.error).toBeInstanceOf(StepError);
    expect((thrown.error as StepError).stepId).toBe("rx.in");
    expect((thrown.error as StepError).message).toContain("error calling `factory` in step 'rx.in': no feed");
    const wrong = await runInto(new ObservableSource(() => 42 as unknown as Observable<number>));
    expect(wrong.error).toBeInstanceOf(StepError);
    expect((wrong.error as StepError).message).toContain("`factory` in step 'rx.in' must return an Observable");
  });

  it("returns at most batchSize values per batch", () => {
    const part = build(new ObservableSource(() => range(0, 25), { batchSize: 10 }));
    expect(drain(part).map((b) => b.length)).toEqual([10, 10, 5]);
  });

  it("returns [] while waiting and does not block", () => {
    const subject = new Subject<string>();
    const part = build(new ObservableSource(() => subject));
    expect(part.nextBatch()).toEqual([]);
    subject.next("x");
    expect(part.nextBatch()).toEqual(["x"]);
    expect(part.nextBatch()).toEqual([]);
    subject.complete();
    expect(part.nextBatch()).toBeNull();
  });

  describe("when the buffer is full", () => {
    it('"error" (the default): emits what was buffered, then fails with a StepError, unsubscribed', () => {
      const subject = new Subject<number>();
      const part = build(new ObservableSource(() => subject, { bufferSize: 3 }));
      for (let i = 1; i <= 5; i++) subject.next(i);
      expect(subject.observed).toBe(false); // unsubscribed at the 4th value
      expect(part.nextBatch()).toEqual([1, 2, 3]);
      let error: unknown;
      try {
        part.nextBatch();
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(StepError);
      expect((error as StepError).stepId).toBe("rx.in");
      expect((error as StepError).message).toContain("the buffer of ObservableSource in step 'rx.in' (worker 0) is full");
      expect((error as StepError).cause).toBeInstanceOf(ConnectorError);
      expect((error as StepError).message).toContain("more than 3 values arrived between two polls");
    });

    it('"error" stops an endless synchronous Observable instead of looping forever', async () => {
      const start = performance.now();
      const { out, error } = await runInto(new ObservableSource(() => range(0, Number.MAX_SAFE_INTEGER), { bufferSize: 100 }));
      expect(performance.now() - start).toBeLessThan(2000);
      expect(out).toHaveLength(100);
      expect(error).toBeInstanceOf(StepError);
    });

    it('"drop": drops and counts arriving values, stays subscribed, and accepts values again once drained', () => {
      const subject = new Subject<number>();
      const source = new ObservableSource(() => subject, { bufferSize: 2, onOverflow: "drop" });
      const part = build(source);
      for (let i = 1; i <= 5; i++) subject.next(i);
      expect(source.dropped).toBe(3);
      expect(subject.observed).toBe(true);
      expect(part.nextBatch()).toEqual([1, 2]);
      subject.next(6);
      subject.complete();
      expect(part.nextBatch()).toEqual([6]);
      expect(part.nextBatch()).toBeNull();
      expect(source.dropped).toBe(3);
    });

    it('"drop" in a running flow: the flow completes with the values that fit', async () => {
      const source = new ObservableSource(() => range(0, 1000), { bufferSize: 10, onOverflow: "drop" });
      const { out, error } = await runInto(source);
      expect(error).toBeUndefined();
      expect(out).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]); // range emits everything on subscribe
      expect(source.dropped).toBe(990);
    });
  });

  it("a run that fails or is stopped unsubscribes from the Observable (abort)", async () => {
    for (const how of ["fails", "stopped"] as const) {
      let subscribed = 0;
      const ticks = new Observable<number>((sub) => {
        subscribed++;
        const timer = setInterval(() => sub.next(1), 2);
        return () => {
          clearInterval(timer);
          subscribed--;
        };
      });
      const flow = new Dataflow("rx");
      flow
        .input("in", new ObservableSource(() => ticks))
        .map("check", (n) => {
          if (how === "fails") throw new Error("no");
          return n;
        })
        .output("out", new TestingSink([]));
      const ctl = new AbortController();
      setTimeout(() => ctl.abort(), 50);
      const outcome = await runMain(flow, { signal: ctl.signal }).then(
        () => "ended",
        (err: unknown) => err,
      );
      if (how === "fails") expect(outcome).toBeInstanceOf(StepError);
      else expect(outcome).toBe("ended");
      expect(subscribed).toBe(0);
    }
  });

  it("close() unsubscribes", () => {
    const subject = new Subject<number>();
    const part = build(new ObservableSource(() => subject));
    expect(subject.observed).toBe(true);
    part.close?.();
    expect(subject.observed).toBe(false);
  });

  it("rejects bad options with a BuildError", () => {
    expect(() => new ObservableSource(42 as unknown as () => Observable<number>)).toThrow(BuildError);
    expect(() => new ObservableSource(() => of(1), { bufferSize: 0 })).toThrow(/bufferSize must be a positive integer/);
    expect(() => new ObservableSource(() => of(1), { batchSize: 1.5 })).toThrow(/batchSize/);
    expect(() => new ObservableSource(() => of(1), { onOverflow: "pause" as "drop" })).toThrow(/onOverflow must be "error" or "drop"/);
  });
});

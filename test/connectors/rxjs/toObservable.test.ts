import { lastValueFrom, Observable, toArray } from "rxjs";
import { describe, expect, it } from "vitest";
import { toObservable } from "../../../src/connectors/rxjs/index.js";
import { Dataflow } from "../../../src/dataflow/dataflow.js";
import type { Stream } from "../../../src/dataflow/stream.js";
import { BuildError, StepError } from "../../../src/errors.js";
import { runMain, TestingSource } from "../../../src/testing/index.js";

describe("toObservable", () => {
  it("observes items while the flow runs, then completes when it ends", async () => {
    const flow = new Dataflow("live");
    const doubled = flow
      .input("in", new TestingSource([1, TestingSource.PAUSE(40), 2, TestingSource.PAUSE(40), 3]))
      .map("double", (x) => x * 2);
    const results$ = toObservable(doubled);
    let settled = false;
    const seen: { value: number; at: number; runSettled: boolean }[] = [];
    let completedBeforeSettled: boolean | undefined;
    results$.subscribe({
      next: (value) => seen.push({ value, at: performance.now(), runSettled: settled }),
      complete: () => (completedBeforeSettled = !settled),
    });
    await runMain(flow, { epochInterval: 0 }).finally(() => {
      settled = true;
    });
    expect(seen.map((s) => s.value)).toEqual([2, 4, 6]);
    expect(seen.every((s) => !s.runSettled)).toBe(true);
    // Items arrive as the flow produces them, not all at the end.
    expect(seen[1].at - seen[0].at).toBeGreaterThanOrEqual(30);
    expect(seen[2].at - seen[1].at).toBeGreaterThanOrEqual(30);
    expect(completedBeforeSettled).toBe(true);
  });

  it("is hot and replays nothing: a late subscriber sees only later items, and complete", async () => {
    const flow = new Dataflow("hot");
    const results$ = toObservable(flow.input("in", new TestingSource(["a", "b", "c"])));
    const early: string[] = [];
    const late: string[] = [];
    let lateCompleted = false;
    results$.subscribe((x) => {
      early.push(x);
      if (x === "a") results$.subscribe({ next: (y) => late.push(y), complete: () => (lateCompleted = true) });
    });
    await runMain(flow);
    expect(early).toEqual(["a", "b", "c"]);
    expect(late).toEqual(["b", "c"]);
    expect(lateCompleted).toBe(true);
    // After the run: completes at once, with nothing.
    await expect(lastValueFrom(results$.pipe(toArray()))).resolves.toEqual([]);
  });

  it("errors with the run's StepError when the flow fails", async () => {
    const flow = new Dataflow("failing");
    const parsed = flow.input("in", new TestingSource(["1", "x"])).map("parse", (s) => {
      const n = Number(s);
      if (Number.isNaN(n)) throw new Error(`not a number: ${s}`);
      return n;
    });
    const all = lastValueFrom(toObservable(parsed).pipe(toArray()));
    const run = runMain(flow);
    await expect(run).rejects.toBeInstanceOf(StepError);
    const err = await all.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StepError);
    expect((err as StepError).stepId).toBe("failing.parse");
    expect((err as StepError).message).toContain("not a number: x");
  });

  it("names the step to_observable, to_observable_2, … or as given", () => {
    const flow = new Dataflow("ids");
    const s = flow.input("in", new TestingSource([1]));
    expect(toObservable(s)).toBeInstanceOf(Observable);
    toObservable(s);
    toObservable("mine", s);
    toObservable(s);
    expect(flow.substeps.map((step) => step.stepId)).toEqual([
      "ids.in",
      "ids.to_observable",
      "ids.to_observable_2",
      "ids.mine",
      "ids.to_observable_3",
    ]);
    expect(flow.substeps[1].opType).toBe("output");
    expect(() => toObservable("mine", s)).toThrow("step 'ids.mine' already exists");
  });

  it("rejects something that is not a stream", () => {
    expect(() => toObservable({} as Stream<number>)).toThrow(BuildError);
    expect(() => toObservable("x", undefined as unknown as Stream<number>)).toThrow(/toObservable needs a Stream/);
  });
});

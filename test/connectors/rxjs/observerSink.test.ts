import { Subject } from "rxjs";
import { describe, expect, it } from "vitest";
import { ObserverSink } from "../../../src/connectors/rxjs/index.js";
import { Dataflow } from "../../../src/dataflow/dataflow.js";
import { BuildError, StepError } from "../../../src/errors.js";
import { runMain, TestingSource } from "../../../src/testing/index.js";

type Event = ["next", unknown] | ["complete"] | ["error", unknown];

function recorder(): { events: Event[]; observer: { next(x: unknown): void; error(e: unknown): void; complete(): void } } {
  const events: Event[] = [];
  return {
    events,
    observer: {
      next: (x) => events.push(["next", x]),
      error: (e) => events.push(["error", e]),
      complete: () => events.push(["complete"]),
    },
  };
}

describe("ObserverSink", () => {
  it("calls next for every item, in order, then complete", async () => {
    const { events, observer } = recorder();
    const flow = new Dataflow("obs");
    flow.input("in", new TestingSource([1, 2, 3], 2)).map("sq", (x) => x * x).output("out", new ObserverSink<number>(observer));
    await runMain(flow);
    expect(events).toEqual([["next", 1], ["next", 4], ["next", 9], ["complete"]]);
  });

  it("calls error with the run's StepError when the flow fails, and not complete", async () => {
    const { events, observer } = recorder();
    const flow = new Dataflow("obs");
    flow
      .input("in", new TestingSource([1, 2, 3]))
      .map("check", (x) => {
        if (x === 3) throw new Error("three");
        return x;
      })
      .output("out", new ObserverSink<number>(observer));
    const err = await runMain(flow).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StepError);
    expect((err as StepError).stepId).toBe("obs.check");
    expect(events).toEqual([["next", 1], ["next", 2], ["error", err]]);
  });

  it("feeds a Subject, and a function is taken as next", async () => {
    const subject = new Subject<string>();
    const seen: string[] = [];
    let completed = false;
    subject.subscribe({ next: (s) => seen.push(s), complete: () => (completed = true) });
    const direct: string[] = [];
    const flow = new Dataflow("obs");
    const s = flow.input("in", new TestingSource(["a", "b"]));
    s.output("subject", new ObserverSink(subject));
    s.output("fn", new ObserverSink((x: string) => direct.push(x)));
    await runMain(flow);
    expect(seen).toEqual(["a", "b"]);
    expect(completed).toBe(true);
    expect(direct).toEqual(["a", "b"]);
  });

  it("fails the run when the observer's next throws, then reports that failure through error", async () => {
    const errors: unknown[] = [];
    const flow = new Dataflow("obs");
    flow.input("in", new TestingSource([1])).output(
      "out",
      new ObserverSink<number>({
        next: () => {
          throw new Error("ui gone");
        },
        error: (e) => errors.push(e),
      }),
    );
    const err = await runMain(flow).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StepError);
    expect((err as StepError).stepId).toBe("obs.out");
    expect((err as StepError).message).toContain("ui gone");
    expect(errors).toEqual([err]);
  });

  it("rejects something that is not an observer", () => {
    expect(() => new ObserverSink(42 as unknown as () => void)).toThrow(BuildError);
  });
});

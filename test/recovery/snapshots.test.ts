import { describe, expect, it } from "vitest";
import {
  Dataflow,
  defaultSerde,
  StatefulBatchLogic,
  StepError,
  type KeyedStream,
  type LogicResult,
  type StateSerde,
  type Stream,
} from "../../src/index.js";
import { runMain, TestingSink, TestingSource, VirtualClock, type TestingSourceMarker } from "../../src/testing/index.js";
import { runFlow } from "../../src/run/runMain.js";
import { afterAdvance, T_START } from "../support/virtualTime.js";

type KV<V> = readonly [string, V];

interface Entry {
  stepId: string;
  stateKey: string;
  state: unknown;
  bytes: Uint8Array | null;
}

/** Build `f.in -> body -> f.out` over `[key, value]` items. */
function flowOf<V>(
  items: readonly (KV<V> | TestingSourceMarker)[],
  body: (up: KeyedStream<V>) => Stream<unknown>,
  options: { batchSize?: number; flow?: Dataflow; out?: unknown[] } = {},
): Dataflow {
  const flow = options.flow ?? new Dataflow("f");
  body(flow.input("in", new TestingSource<KV<V>>(items, options.batchSize ?? 1))).output("out", new TestingSink(options.out ?? []));
  return flow;
}

/**
 * Run with one epoch per batch on a virtual clock, advanced by `advance` ms
 * (past the `PAUSE`s of the input); return, per closed epoch, the entries of `stepId`.
 */
async function epochsOf(flow: Dataflow, stepId: string, advance = 0): Promise<Entry[][]> {
  const epochs: Entry[][] = [];
  const clock = new VirtualClock(T_START);
  const run = runFlow(flow, {
    epochInterval: 0,
    clock,
    onEpochClose: (epoch, entries) => {
      expect(epoch).toBe(epochs.length + 1);
      epochs.push(entries.filter((e) => e.stepId === stepId).map((e) => ({ ...e })));
    },
  });
  const outcome = await afterAdvance(clock, advance, run);
  expect(outcome).toBe("eof");
  return epochs;
}

/** `[key, state]` of each entry, or `[key, null]` for a discarded one. */
const states = (entries: Entry[]): [string, unknown][] => entries.map((e) => [e.stateKey, e.bytes === null ? null : e.state]);

/** Every kept entry's bytes decode to its state. */
function expectBytesRoundTrip(epochs: Entry[][], serde: StateSerde = defaultSerde): void {
  for (const e of epochs.flat()) {
    if (e.bytes === null) continue;
    expect(e.bytes).toBeInstanceOf(Uint8Array);
    expect(serde.deserialize(e.bytes)).toEqual(e.state);
  }
}

const runningSum = (s: KeyedStream<number>): KeyedStream<number> =>
  s.statefulMap("sum", (sum: number | undefined, v: number) => {
    if (v < 0) return [undefined, 0] as const;
    return [(sum ?? 0) + v, (sum ?? 0) + v] as const;
  });

/** Keeps every value it got (a copy in the snapshot); discards at EOF if told to. */
class Keeper extends StatefulBatchLogic<string, string, { vals: string[] }> {
  static snapshots = 0;
  private readonly vals: string[];

  constructor(
    resume: { vals: string[] } | undefined,
    private readonly discardAtEof = false,
  ) {
    super();
    this.vals = resume ? [...resume.vals] : [];
  }

  onBatch(values: string[]): LogicResult<string> {
    this.vals.push(...values);
    return [[], StatefulBatchLogic.RETAIN];
  }

  override onEof(): LogicResult<string> {
    return [[], this.discardAtEof];
  }

  snapshot(): { vals: string[] } {
    Keeper.snapshots++;
    return { vals: [...this.vals] };
  }
}

describe("snapshots at epoch close", () => {
  it("reports the keys touched in each epoch with their state; untouched keys are not reported", async () => {
    const flow = flowOf([["a", 1], ["b", 2], ["a", 3], ["c", 4]], runningSum);
    const epochs = await epochsOf(flow, "f.sum.stateful_batch");
    expect(epochs.map(states)).toEqual([
      [["a", 1]],
      [["b", 2]],
      [["a", 4]],
      [["c", 4]],
      // At EOF only logics with an onEof of their own run: these keys are unchanged, so not reported again.
      [],
    ]);
    expectBytesRoundTrip(epochs);
  });

  it("reports the touched keys of a batch once each, in sorted order, and calls snapshot only for them", async () => {
    Keeper.snapshots = 0;
    const flow = flowOf(
      [["b", "1"], ["a", "2"], ["b", "3"], ["c", "4"], ["c", "5"], ["c", "6"]],
      (s) => s.statefulBatch("sb", (resume: { vals: string[] } | undefined) => new Keeper(resume)),
      { batchSize: 3 },
    );
    const epochs = await epochsOf(flow, "f.sb");
    expect(epochs.map(states)).toEqual([
      [["a", { vals: ["2"] }], ["b", { vals: ["1", "3"] }]],
      [["c", { vals: ["4", "5", "6"] }]],
      [["a", { vals: ["2"] }], ["b", { vals: ["1", "3"] }], ["c", { vals: ["4", "5", "6"] }]],
    ]);
    expect(Keeper.snapshots).toBe(6);
    expectBytesRoundTrip(epochs);
  });

  it("the reported state is a snapshot: later changes of the logic do not alter it", async () => {
    const flow = flowOf([["a", "x"], ["a", "y"]], (s) => s.statefulBatch("sb", (r: { vals: string[] } | undefined) => new Keeper(r)));
    const epochs = await epochsOf(flow, "f.sb");
    expect(epochs.map(states)).toEqual([[["a", { vals: ["x"] }]], [["a", { vals: ["x", "y"] }]], [["a", { vals: ["x", "y"] }]]]);
  });

  it("reports a discarded key with bytes null", async () => {
    const flow = flowOf([["a", 1], ["b", 5], ["a", -1], ["a", 2]], runningSum);
    const epochs = await epochsOf(flow, "f.sum.stateful_batch");
    expect(epochs[2]).toEqual([{ stepId: "f.sum.stateful_batch", stateKey: "a", state: undefined, bytes: null }]);
    expect(epochs.map(states)).toEqual([[["a", 1]], [["b", 5]], [["a", null]], [["a", 2]], []]);
    expectBytesRoundTrip(epochs);
  });

  it("reports keys discarded by onEof with bytes null in the last epoch", async () => {
    const flow = flowOf(
      [["a", "x"], ["b", "y"]],
      (s) => s.statefulBatch("sb", (r: { vals: string[] } | undefined) => new Keeper(r, true)),
    );
    const epochs = await epochsOf(flow, "f.sb");
    expect(epochs.at(-1)).toEqual([
      { stepId: "f.sb", stateKey: "a", state: undefined, bytes: null },
      { stepId: "f.sb", stateKey: "b", state: undefined, bytes: null },
    ]);
  });

  it("a key discarded and rebuilt within one epoch reports its new state", async () => {
    const flow = flowOf([["a", 1], ["a", -1], ["a", 7]], runningSum, { batchSize: 3 });
    const epochs = await epochsOf(flow, "f.sum.stateful_batch");
    expect(epochs.map(states)).toEqual([[["a", 7]], []]);
  });

  it("a key touched only by its timer is reported at the next epoch close", async () => {
    class Alarm extends StatefulBatchLogic<string, string, string> {
      private status = "new";
      onBatch(values: string[]): LogicResult<string> {
        this.status = values.includes("arm") ? "armed" : this.status;
        return [[], StatefulBatchLogic.RETAIN];
      }
      override onNotify(): LogicResult<string> {
        this.status = "rang";
        return [["rang"], StatefulBatchLogic.RETAIN];
      }
      override notifyAt(): Date | undefined {
        return this.status === "armed" ? new Date(0) : undefined;
      }
      snapshot(): string {
        return this.status;
      }
    }
    const out: unknown[] = [];
    const flow = flowOf(
      [["a", "arm"], ["b", "x"], TestingSource.PAUSE(20), ["c", "x"]],
      (s) => s.statefulBatch("sb", () => new Alarm()),
      { out },
    );
    const epochs = await epochsOf(flow, "f.sb", 20);
    expect(epochs.map(states)).toEqual([
      [["a", "armed"]],
      // a's notification fired before b's batch: touched in this epoch.
      [["a", "rang"], ["b", "new"]],
      [["c", "new"]],
      [],
    ]);
    expect(out).toEqual([["a", "rang"]]);
  });

  describe("state that does not survive the serde", () => {
    class Foo {
      constructor(readonly n: number) {}
    }
    class Holder extends StatefulBatchLogic<number, number, unknown> {
      constructor(private readonly make: (n: number) => unknown) {
        super();
      }
      /** The latest value. */
      private n = 0;
      onBatch(values: number[]): LogicResult<number> {
        this.n = values[values.length - 1];
        return [values, StatefulBatchLogic.RETAIN];
      }
      snapshot(): unknown {
        return this.make(this.n);
      }
    }

    const expectSnapshotError = (err: unknown, stepId: string, key: string, fragments: string[]): void => {
      expect(err).toBeInstanceOf(StepError);
      const e = err as StepError;
      expect(e.stepId).toBe(stepId);
      expect(e.key).toBe(key);
      expect(e.cause).toBeInstanceOf(TypeError);
      expect(e.message).toContain(`in step '${stepId}' for key '${key}'`);
      for (const f of fragments) expect(e.message).toContain(f);
    };

    it("a class instance fails the run with a StepError naming the step, the key and the type", async () => {
      const out: unknown[] = [];
      const flow = flowOf(
        [["ok", 1], ["k1", 2]],
        (s) => s.statefulBatch("sb", () => new Holder((n) => (n === 2 ? new Foo(n) : { n }))),
        { out, batchSize: 2 },
      );
      const err = await runFlow(flow, { epochInterval: 0 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expectSnapshotError(err, "f.sb", "k1", ["snapshot", "Foo instance"]);
    });

    it("fails the same way with the default epoch interval, at the last epoch close", async () => {
      const flow = flowOf([["a", 1]], (s) => s.statefulBatch("sb", () => new Holder((n) => ({ nested: [new Foo(n)] }))));
      const err = await runMain(flow).then(
        () => undefined,
        (e: unknown) => e,
      );
      expectSnapshotError(err, "f.sb", "a", ["Foo instance", "state.nested[0]"]);
    });

    it("a function in the state fails the run naming the step and the key", async () => {
      const flow = flowOf([["fnkey", 1]], (s) => s.statefulBatch("sb", () => new Holder(() => ({ callback: () => 1 }))));
      const err = await runFlow(flow, { epochInterval: 0 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expectSnapshotError(err, "f.sb", "fnkey", ["function callback"]);
    });

    it("a derived operator's error names the user's step, not its substep", async () => {
      const flow = flowOf([["u1", 1]], (s) => s.statefulMap("avg", (_st: Foo | undefined, v: number) => [new Foo(v), v] as const));
      const err = await runFlow(flow, { epochInterval: 0 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expectSnapshotError(err, "f.avg", "u1", ["Foo instance"]);
    });

    it("without recovery, a state only the encoder rejects (a proxy) still fails the run, as with recovery", async () => {
      const run = async (hook: boolean): Promise<unknown> => {
        const flow = flowOf([["px", 1]], (s) => s.statefulBatch("sb", () => new Holder((n) => ({ inner: new Proxy({ n }, {}) }))));
        const options = hook ? { epochInterval: 0, onEpochClose: () => undefined } : { epochInterval: 0 };
        return runFlow(flow, options).then(
          () => undefined,
          (e: unknown) => e,
        );
      };
      const without = await run(false);
      const withHook = await run(true);
      expect(without).toBeInstanceOf(StepError);
      expect((without as StepError).key).toBe("px");
      expect((without as StepError).message).toBe((withHook as StepError).message);
    });

    it("a throwing snapshot() is a StepError naming the key", async () => {
      const boom = new Error("no snapshot");
      const flow = flowOf(
        [["s", 1]],
        (s) =>
          s.statefulBatch(
            "sb",
            () =>
              new Holder(() => {
                throw boom;
              }),
          ),
      );
      const err = await runFlow(flow, { epochInterval: 0 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(StepError);
      expect((err as StepError).key).toBe("s");
      expect((err as StepError).cause).toBe(boom);
      expect((err as StepError).message).toContain("error calling `snapshot` in step 'f.sb' for key 's'");
    });
  });

  describe("a custom stateSerde", () => {
    class Point {
      constructor(
        readonly x: number,
        readonly y: number,
      ) {}
    }

    const jsonSerde = (): StateSerde & { seen: unknown[] } => {
      const seen: unknown[] = [];
      return {
        seen,
        serialize(state: unknown): Uint8Array {
          seen.push(state);
          return new TextEncoder().encode(JSON.stringify({ json: state }));
        },
        deserialize(bytes: Uint8Array): unknown {
          return (JSON.parse(new TextDecoder().decode(bytes)) as { json: unknown }).json;
        },
      };
    };

    it("is used for every snapshot instead of the default serde", async () => {
      const serde = jsonSerde();
      const flow = flowOf(
        [["a", 1], ["b", 2]],
        (s) => s.statefulMap("pt", (_p: Point | undefined, v: number) => [new Point(v, -v), v] as const),
        { flow: new Dataflow("f", { stateSerde: serde }) },
      );
      expect(flow.stateSerde).toBe(serde);
      const epochs = await epochsOf(flow, "f.pt.stateful_batch");
      // A class instance is fine for this serde: no error.
      expect(epochs.map(states)).toEqual([
        [["a", new Point(1, -1)]],
        [["b", new Point(2, -2)]],
        [],
      ]);
      for (const e of epochs.flat()) {
        expect(JSON.parse(new TextDecoder().decode(e.bytes!))).toEqual({ json: { x: (e.state as Point).x, y: (e.state as Point).y } });
      }
      expect(serde.seen).toContainEqual(new Point(1, -1));
    });

    it("errors of the custom serde fail the run with a StepError naming the step and key", async () => {
      const refusing: StateSerde = {
        serialize(state: unknown): Uint8Array {
          if (state === 13) throw new TypeError("unlucky state");
          return new Uint8Array([Number(state)]);
        },
        deserialize: (bytes) => bytes[0],
      };
      const flow = flowOf([["a", 1], ["b", 13]], (s) => s.statefulMap("m", (_x: number | undefined, v: number) => [v, v] as const), {
        flow: new Dataflow("f", { stateSerde: refusing }),
      });
      const err = await runFlow(flow, { epochInterval: 0 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(StepError);
      expect((err as StepError).stepId).toBe("f.m");
      expect((err as StepError).key).toBe("b");
      expect((err as StepError).message).toContain("unlucky state");
    });
  });
});

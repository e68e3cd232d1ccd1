import { afterEach, describe, expect, it, vi } from "vitest";
import { op } from "../../../src/index.js";
import { failThrough, runThrough } from "../helpers.js";

afterEach(() => {
  vi.restoreAllMocks();
});

describe("op.inspectDebug", () => {
  it("gives the inspector the step id, item, epoch and worker 0; one epoch per batch with epochInterval 0", async () => {
    const seen: [string, string, number, number][] = [];
    const out = await runThrough(["a", "b", "c"], (s) => s.inspectDebug("dbg", (id, x, epoch, worker) => seen.push([id, x, epoch, worker])), {
      epochInterval: 0,
    });
    expect(out).toEqual(["a", "b", "c"]);
    expect(seen).toEqual([
      ["f.dbg", "a", 1, 0],
      ["f.dbg", "b", 2, 0],
      ["f.dbg", "c", 3, 0],
    ]);
  });

  it("items of one batch share an epoch (op form)", async () => {
    const epochs: number[] = [];
    await runThrough([1, 2, 3, 4, 5], (s) => op.inspectDebug("dbg", s, (_id, _x, epoch) => epochs.push(epoch)), {
      epochInterval: 0,
      batchSize: 2,
    });
    expect(epochs).toEqual([1, 1, 2, 2, 3]);
  });

  it("with the default epoch interval a short run is all epoch 1", async () => {
    const epochs: number[] = [];
    await runThrough([1, 2, 3], (s) => s.inspectDebug("dbg", (_id, _x, epoch) => epochs.push(epoch)));
    expect(epochs).toEqual([1, 1, 1]);
  });

  it("prints `stepId W<worker> @<epoch>: inspect(item)` by default", async () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    await runThrough<unknown, unknown>(["a", 7], (s) => s.inspectDebug("dbg"), { epochInterval: 0 });
    expect(log.mock.calls).toEqual([["f.dbg W0 @1: 'a'"], ["f.dbg W0 @2: 7"]]);
  });

  it("a throwing inspector is a StepError with the step and epoch", async () => {
    const boom = new Error("debugger crashed");
    const err = await failThrough(
      [1, 2],
      (s) =>
        s.inspectDebug("dbg", (_id, x) => {
          if (x === 2) throw boom;
        }),
      { stepId: "f.dbg", message: "error calling `inspector` in step 'f.dbg': debugger crashed" },
      { epochInterval: 0 },
    );
    expect(err.cause).toBe(boom);
    expect(err.epoch).toBe(2);
  });
});

import { afterEach, describe, expect, it, vi } from "vitest";
import { Dataflow, op } from "../../../src/index.js";
import { runMain, TestingSink, TestingSource } from "../../../src/testing/index.js";
import { failThrough, runThrough } from "../helpers.js";

afterEach(() => {
  vi.restoreAllMocks();
});

describe("op.inspect", () => {
  it("prints `stepId: inspect(item)` by default and passes items on unchanged", async () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    const out = await runThrough<unknown, unknown>(["a", 1, { k: [1] }], (s) => s.inspect("look"));
    expect(out).toEqual(["a", 1, { k: [1] }]);
    expect(log.mock.calls).toEqual([["f.look: 'a'"], ["f.look: 1"], ["f.look: { k: [ 1 ] }"]]);
  });

  it("calls a custom inspector with the user's step id and each item, in op form too", async () => {
    const seen: [string, number][] = [];
    const out = await runThrough([1, 2, 3], (s) => op.inspect("look", s, (id, x) => seen.push([id, x])), { batchSize: 2 });
    expect(out).toEqual([1, 2, 3]);
    expect(seen).toEqual([
      ["f.look", 1],
      ["f.look", 2],
      ["f.look", 3],
    ]);
  });

  it("returns the same items as its input, usable downstream", async () => {
    const seen: number[] = [];
    const out = await runThrough([1, 2], (s) => s.inspect("look", (_id, x) => seen.push(x)).map("d", (x) => x * 2));
    expect(seen).toEqual([1, 2]);
    expect(out).toEqual([2, 4]);
  });

  it("counts as an output: a flow ending in inspect runs", async () => {
    const seen: string[] = [];
    const flow = new Dataflow("f");
    flow.input("in", new TestingSource(["x"])).inspect("look", (id, x) => seen.push(`${id}=${x}`));
    await runMain(flow);
    expect(seen).toEqual(["f.look=x"]);
  });

  it("a throwing inspector is a StepError naming the inspect step", async () => {
    const boom = new Error("cannot look");
    const err = await failThrough(
      [1],
      (s) =>
        s.inspect("look", () => {
          throw boom;
        }),
      { stepId: "f.look", message: "error calling `inspector` in step 'f.look': cannot look" },
    );
    expect(err.cause).toBe(boom);
    const out: number[] = [];
    const flow = new Dataflow("g");
    op.inspect("look", flow.input("in", new TestingSource([1])), () => {
      throw boom;
    }).output("out", new TestingSink(out));
    await expect(runMain(flow)).rejects.toMatchObject({ stepId: "g.look", cause: boom });
    expect(out).toEqual([]);
  });
});

import { describe, expect, it } from "vitest";
import { op } from "../../../src/index.js";
import { TestingSource, VirtualClock } from "../../../src/testing/index.js";
import { T_START } from "../../support/virtualTime.js";
import { failKeyed, runKeyed } from "./helpers.js";

describe("op.foldFinal", () => {
  it("folds each key's values and emits [key, accumulator] at EOF only, keys sorted", async () => {
    const log: string[] = [];
    const out = await runKeyed(
      [["b", 2], ["a", 1], TestingSource.PAUSE(20), ["a", 3], ["b", 4], ["a", 5]],
      (s) =>
        s
          .inspect("in_log", (_id, [k, v]) => {
            log.push(`in ${k}${v}`);
          })
          .foldFinal("all", () => [] as number[], (acc, v: number) => [...acc, v])
          .inspect("out_log", (_id, [k]) => {
            log.push(`out ${k}`);
          }),
      { batchSize: 2, clock: new VirtualClock(T_START), advance: 20 },
    );
    expect(out).toEqual([
      ["a", [1, 3, 5]],
      ["b", [2, 4]],
    ]);
    expect(log).toEqual(["in b2", "in a1", "in a3", "in b4", "in a5", "out a", "out b"]);
  });

  it("calls the builder once per key, on its first value", async () => {
    let builds = 0;
    const out = await runKeyed(
      [["a", 1], ["b", 2], ["a", 3], ["a", 4]],
      (s) =>
        s.foldFinal(
          "sum",
          () => {
            builds++;
            return 100;
          },
          (acc, v: number) => acc + v,
        ),
    );
    expect(out).toEqual([
      ["a", 108],
      ["b", 102],
    ]);
    expect(builds).toBe(2);
  });

  it("keeps a falsy accumulator such as the empty string", async () => {
    const out = await runKeyed(
      [["a", "x"], ["a", "y"]],
      (s) => op.foldFinal("cat", s, () => "", (acc: string, v: string) => (acc === "" ? v : `${acc}${v}`)),
    );
    expect(out).toEqual([["a", "xy"]]);
  });

  it("emits nothing for an empty stream", async () => {
    expect(await runKeyed([] as [string, number][], (s) => s.foldFinal("sum", () => 0, (a, v: number) => a + v))).toEqual([]);
  });

  it("a throwing folder is a StepError naming the step and the key", async () => {
    const boom = new Error("cannot fold");
    const err = await failKeyed(
      [["a", 1], ["b", 2]],
      (s) =>
        s.foldFinal(
          "sum",
          () => 0,
          (acc, v: number) => {
            if (v === 2) throw boom;
            return acc + v;
          },
        ),
      { stepId: "f.sum", key: "b", message: "error calling `folder` in step 'f.sum' for key 'b': cannot fold" },
    );
    expect(err.cause).toBe(boom);
  });
});

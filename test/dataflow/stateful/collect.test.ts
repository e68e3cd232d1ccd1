import { describe, expect, it } from "vitest";
import { BuildError, Dataflow, op } from "../../../src/index.js";
import { TestingSource, VirtualClock } from "../../../src/testing/index.js";
import { T_START } from "../../support/virtualTime.js";
import { runKeyed } from "./helpers.js";

describe("op.collect", () => {
  it("emits a key's list when it reaches maxSize, then starts a new list", async () => {
    const out = await runKeyed(
      [["a", 1], ["a", 2], ["b", 10], ["a", 3], ["a", 4], ["a", 5], ["b", 20]],
      (s) => s.collect("c", { maxSize: 2 }),
    );
    expect(out).toEqual([
      ["a", [1, 2]],
      ["a", [3, 4]],
      ["b", [10, 20]],
      // Leftovers at EOF.
      ["a", [5]],
    ]);
  });

  it("emits at maxSize in the middle of a batch", async () => {
    const out = await runKeyed(
      [["a", 1], ["a", 2], ["a", 3], ["a", 4], ["a", 5]],
      (s) => s.collect("c", { maxSize: 2 }),
      { batchSize: 5 },
    );
    expect(out).toEqual([
      ["a", [1, 2]],
      ["a", [3, 4]],
      ["a", [5]],
    ]);
  });

  it("emits a key's list timeout ms after its latest value, while the source is paused", async () => {
    const clock = new VirtualClock(T_START);
    const emittedAt: number[] = [];
    const out = await runKeyed(
      [["a", 1], ["b", 2], ["a", 3], TestingSource.PAUSE(300), ["a", 4]],
      (s) =>
        s.collect("c", { timeout: 50 }).inspect("when", () => {
          emittedAt.push(clock.now() - T_START);
        }),
      { clock, advance: 300 },
    );
    expect(out).toEqual([
      // Both timed out during the pause, keys in sorted order when due together.
      ["a", [1, 3]],
      ["b", [2]],
      // After the pause, left for EOF.
      ["a", [4]],
    ]);
    // The three values came at the start: both lists exactly 50 ms later; [4] at EOF, at the end of the pause.
    expect(emittedAt).toEqual([50, 50, 300]);
  });

  it("restarts the timeout on every value of the key", async () => {
    const clock = new VirtualClock(T_START);
    const emittedAt: number[] = [];
    const out = await runKeyed(
      [["a", 1], TestingSource.PAUSE(20), ["a", 2], TestingSource.PAUSE(20), ["a", 3], TestingSource.PAUSE(200), ["a", 4]],
      (s) =>
        s.collect("c", { timeout: 100 }).inspect("when", () => {
          emittedAt.push(clock.now() - T_START);
        }),
      { clock, advance: 240 },
    );
    expect(out).toEqual([
      ["a", [1, 2, 3]],
      ["a", [4]],
    ]);
    // 1, 2 and 3 came at 0, 20 and 40 ms: the list is due 100 ms after 3, not after 1; [4] at EOF.
    expect(emittedAt).toEqual([140, 240]);
  });

  it("emits every list at EOF, keys in sorted order", async () => {
    const out = await runKeyed(
      [["c", 1], ["a", 2], ["b", 3], ["a", 4]],
      (s) => s.collect("c", { timeout: 60_000, maxSize: 10 }),
    );
    expect(out).toEqual([
      ["a", [2, 4]],
      ["b", [3]],
      ["c", [1]],
    ]);
  });

  it("with no options collects everything until EOF", async () => {
    const out = await runKeyed([["a", 1], ["a", 2], ["a", 3]], (s) => op.collect("c", s));
    expect(out).toEqual([["a", [1, 2, 3]]]);
  });

  it("emitted lists are not reused or mutated afterwards", async () => {
    const out = await runKeyed([["a", 1], ["a", 2], ["a", 3], ["a", 4]], (s) => s.collect("c", { maxSize: 2 }), { batchSize: 4 });
    expect(out).toEqual([
      ["a", [1, 2]],
      ["a", [3, 4]],
    ]);
    expect(out[0][1]).not.toBe(out[1][1]);
  });

  it.each([
    [{ timeout: 0 }, "timeout must be > 0 ms"],
    [{ timeout: -5 }, "timeout must be > 0 ms"],
    [{ maxSize: 0 }, "maxSize must be a positive integer"],
    [{ maxSize: 1.5 }, "maxSize must be a positive integer"],
  ])("rejects bad options %j with a BuildError", (options, fragment) => {
    const flow = new Dataflow("f");
    const s = flow.input("in", new TestingSource<readonly [string, number]>([]));
    expect(() => s.collect("c", options)).toThrow(BuildError);
    expect(() => s.collect("c2", options)).toThrow(fragment);
  });
});

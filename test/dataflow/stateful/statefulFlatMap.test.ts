import { describe, expect, it } from "vitest";
import { op } from "../../../src/index.js";
import { failKeyed, runKeyed } from "./helpers.js";

describe("op.statefulFlatMap", () => {
  it("emits every value returned, in order: here each new maximum of a key", async () => {
    const out = await runKeyed(
      [["a", 3], ["b", 1], ["a", 1], ["a", 5], ["b", 0], ["b", 2]],
      (s) =>
        s.statefulFlatMap("new_max", (max: number | undefined, v: number) =>
          max === undefined || v > max ? ([v, [v]] as const) : ([max, []] as const),
        ),
    );
    expect(out).toEqual([
      ["a", 3],
      ["b", 1],
      ["a", 5],
      ["b", 2],
    ]);
  });

  it("emits several values per item, and any iterable", async () => {
    const out = await runKeyed(
      [["a", 2], ["a", 1]],
      (s) =>
        s.statefulFlatMap("rep", (n: number | undefined, v: number) => {
          const total = (n ?? 0) + v;
          return [total, new Set(Array.from({ length: v }, (_, i) => `${total}.${i}`))] as const;
        }),
    );
    expect(out).toEqual([
      ["a", "2.0"],
      ["a", "2.1"],
      ["a", "3.0"],
    ]);
  });

  it("returning state undefined discards the key, still emitting the values", async () => {
    const seen: unknown[] = [];
    const out = await runKeyed(
      [["a", "x"], ["a", "flush"], ["a", "y"], ["a", "flush"]],
      (s) =>
        s.statefulFlatMap("buffer", (buf: string[] | undefined, v: string): [string[] | undefined, string[]] => {
          seen.push(buf);
          return v === "flush" ? [undefined, buf ?? []] : [[...(buf ?? []), v], []];
        }),
      { batchSize: 4 },
    );
    expect(out).toEqual([
      ["a", "x"],
      ["a", "y"],
    ]);
    expect(seen).toEqual([undefined, ["x"], undefined, ["y"]]);
  });

  it("is the same in op form", async () => {
    const out = await runKeyed([["k", 1]], (s) => op.statefulFlatMap("fm", s, (_st: number | undefined, v: number) => [v, [v, -v]] as const));
    expect(out).toEqual([
      ["k", 1],
      ["k", -1],
    ]);
  });

  describe("errors", () => {
    it("a mapper not returning a pair is a StepError naming the step and the key", async () => {
      await failKeyed(
        [["u1", 1]],
        (s) => s.statefulFlatMap("fm", () => "nope" as unknown as readonly [number, number[]]),
        {
          stepId: "f.fm",
          key: "u1",
          message: ["in step 'f.fm' for key 'u1'", "`statefulFlatMap` mapper must return a [state, values] pair; got string"],
          cause: TypeError,
        },
      );
    });

    it("a non-iterable second element is a StepError naming the step and the key", async () => {
      await failKeyed(
        [["u2", 1]],
        (s) => s.statefulFlatMap("fm", (_st: number | undefined, v: number) => [v, v] as unknown as readonly [number, number[]]),
        {
          stepId: "f.fm",
          key: "u2",
          message: ["error calling `mapper` in step 'f.fm' for key 'u2'", "must return an iterable of values as the second element; got number"],
          cause: TypeError,
        },
      );
    });
  });
});

import { describe, expect, it } from "vitest";
import { BuildError, Dataflow, op } from "../../src/index.js";
import { TestingSink, TestingSource } from "../../src/testing/index.js";
import { toMermaid } from "../../src/visualize/index.js";

describe("toMermaid", () => {
  it("renders input, map and output", () => {
    const flow = new Dataflow("test_df");
    flow
      .input("inp", new TestingSource([1]))
      .map("add_one", (x) => x + 1)
      .output("out", new TestingSink([]));
    expect(toMermaid(flow)).toBe(
      [
        "flowchart TD",
        'subgraph "test_df (Dataflow)"',
        'test_df.inp["inp (input)"]',
        'test_df.add_one["add_one (map)"]',
        'test_df.inp -- "down → up" --> test_df.add_one',
        'test_df.out["out (output)"]',
        'test_df.add_one -- "down → up" --> test_df.out',
        "end",
      ].join("\n"),
    );
  });

  it("renders branch and merge ports, one edge per stream", () => {
    const flow = new Dataflow("f");
    const nums = flow.input("inp", new TestingSource([1, 2, 3])).map("add", (x) => x + 1);
    const { trues, falses } = nums.branch("even", (x) => x % 2 === 0);
    const other = flow.input("more", new TestingSource([10]));
    op.merge("all", trues, falses, other).output("out", new TestingSink([]));
    expect(toMermaid(flow)).toBe(
      [
        "flowchart TD",
        'subgraph "f (Dataflow)"',
        'f.inp["inp (input)"]',
        'f.add["add (map)"]',
        'f.inp -- "down → up" --> f.add',
        'f.even["even (branch)"]',
        'f.add -- "down → up" --> f.even',
        'f.more["more (input)"]',
        'f.all["all (merge)"]',
        'f.even -- "trues → ups" --> f.all',
        'f.even -- "falses → ups" --> f.all',
        'f.more -- "down → ups" --> f.all',
        'f.out["out (output)"]',
        'f.all -- "down → up" --> f.out',
        "end",
      ].join("\n"),
    );
  });

  it("draws a stream feeding several steps once per step", () => {
    const flow = new Dataflow("fan");
    const s = flow.input("in", new TestingSource([1]));
    s.output("a", new TestingSink([]));
    s.filter("pos", (x) => x > 0).output("b", new TestingSink([]));
    const lines = toMermaid(flow).split("\n");
    expect(lines.filter((l) => l.startsWith("fan.in --"))).toEqual([
      'fan.in -- "down → up" --> fan.a',
      'fan.in -- "down → up" --> fan.pos',
    ]);
  });

  it("renders an empty flow", () => {
    expect(toMermaid(new Dataflow("empty"))).toBe('flowchart TD\nsubgraph "empty (Dataflow)"\nend');
  });

  it("escapes double quotes in labels", () => {
    const flow = new Dataflow("q");
    flow.input('say "hi"', new TestingSource([1]));
    expect(toMermaid(flow)).toContain('["say #quot;hi#quot; (input)"]');
  });

  it("rejects anything but a Dataflow", () => {
    expect(() => toMermaid({ flowId: "x", substeps: [] } as unknown as Dataflow)).toThrow(BuildError);
    expect(() => toMermaid(undefined as unknown as Dataflow)).toThrow("toMermaid needs a Dataflow; got undefined");
  });
});

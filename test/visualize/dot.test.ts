import { describe, expect, it } from "vitest";
import { BuildError, Dataflow, op, win } from "../../src/index.js";
import { TestingSink, TestingSource } from "../../src/testing/index.js";
import { toDot } from "../../src/visualize/index.js";

const HEADER = (flowId: string): string[] => [
  `digraph "${flowId}" {`,
  `  graph [label="${flowId} (Dataflow)", labelloc="t", fontname="Helvetica,Arial,sans-serif"];`,
  '  node [shape="box", style="rounded", fontname="Helvetica,Arial,sans-serif"];',
  '  edge [fontname="Helvetica,Arial,sans-serif", fontsize="10"];',
];

describe("toDot", () => {
  it("labels only the edges whose steps have several ports on that side: a branch's outputs, a join's sides", () => {
    const flow = new Dataflow("orders");
    const keyed = flow.input("in", new TestingSource([1, 2, 3])).keyOn("key", (x) => String(x % 3));
    const { trues, falses } = keyed.branch("big", ([, x]) => x > 1);
    const doubled = trues.mapValue("double", (x) => x * 2);
    op.join("j", [doubled, falses]).output("out", new TestingSink([]));
    expect(toDot(flow)).toBe(
      [
        ...HEADER("orders"),
        '  "orders.in" [id="step-orders.in", class="step", label="in (input)"];',
        '  "orders.key" [id="step-orders.key", class="step", label="key (keyOn)"];',
        '  "orders.in" -> "orders.key";',
        '  "orders.big" [id="step-orders.big", class="step", label="big (branch)"];',
        '  "orders.key" -> "orders.big";',
        '  "orders.double" [id="step-orders.double", class="step", label="double (mapValue)"];',
        '  "orders.big" -> "orders.double" [label="trues"];',
        '  "orders.j" [id="step-orders.j", class="step", label="j (join)"];',
        '  "orders.double" -> "orders.j" [label="sides[0]"];',
        '  "orders.big" -> "orders.j" [label="falses → sides[1]"];',
        '  "orders.out" [id="step-orders.out", class="step", label="out (output)"];',
        '  "orders.j" -> "orders.out";',
        "}",
      ].join("\n"),
    );
  });

  it("names a window's output port (down, late, meta) and a merge's inputs by place", () => {
    const flow = new Dataflow("w");
    const keyed = flow.input("in", new TestingSource([1])).keyOn("key", () => "k");
    const { down, late } = win.collectWindow("win", keyed, new win.SystemClock(), new win.TumblingWindower(1000));
    op.merge("all", down, late).output("out", new TestingSink([]));
    const edges = toDot(flow)
      .split("\n")
      .filter((line) => line.includes("->"));
    expect(edges).toEqual([
      '  "w.in" -> "w.key";',
      '  "w.key" -> "w.win";',
      '  "w.win" -> "w.all" [label="down → ups[0]"];',
      '  "w.win" -> "w.all" [label="late → ups[1]"];',
      '  "w.all" -> "w.out";',
    ]);
  });

  it("draws a feedback loop as an edge back up", () => {
    const flow = new Dataflow("loop");
    const back = op.feedback<number>("back", flow);
    const all = flow.input("in", new TestingSource([3])).merge("all", back.stream);
    const { trues } = all.branch("more", (x) => x > 0);
    back.from(trues.map("dec", (x) => x - 1));
    all.output("out", new TestingSink([]));
    const edges = toDot(flow)
      .split("\n")
      .filter((line) => line.includes("->"));
    expect(edges).toContain('  "loop.dec" -> "loop.back";');
    expect(edges).toContain('  "loop.back" -> "loop.all" [label="ups[1]"];');
  });

  it("quotes names as typed: quotes and backslashes are escaped, so Graphviz shows them and reads no \\N", () => {
    const flow = new Dataflow('say "hi"');
    flow
      .input("in\\N", new TestingSource([1]))
      .map('a "b"', (x) => x)
      .output("out", new TestingSink([]));
    const dot = toDot(flow);
    expect(dot.split("\n")[0]).toBe('digraph "say \\"hi\\"" {');
    expect(dot).toContain('  "say \\"hi\\".in\\\\N" [id="step-say \\"hi\\".in\\\\N", class="step", label="in\\\\N (input)"];');
    expect(dot).toContain('label="a \\"b\\" (map)"');
  });

  it("rejects anything but a Dataflow", () => {
    expect(() => toDot({} as unknown as Dataflow)).toThrow(BuildError);
    expect(() => toDot(undefined as unknown as Dataflow)).toThrow("toDot needs a Dataflow; got undefined");
  });
});

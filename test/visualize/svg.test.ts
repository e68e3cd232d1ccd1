import { describe, expect, it } from "vitest";
import { BuildError, Dataflow, op } from "../../src/index.js";
import { TestingSink, TestingSource } from "../../src/testing/index.js";
import { toSvg } from "../../src/visualize/index.js";
import { parseXml } from "../support/xml.js";

function branchAndJoin(): Dataflow {
  const flow = new Dataflow("orders");
  const keyed = flow.input("in", new TestingSource([1, 2, 3])).keyOn("key", (x) => String(x % 3));
  const { trues, falses } = keyed.branch("big", ([, x]) => x > 1);
  const doubled = trues.mapValue("double", (x) => x * 2);
  op.join("j", [doubled, falses]).output("out", new TestingSink([]));
  return flow;
}

describe("toSvg", () => {
  it("is an SVG document with a box per step, found by id, titled with its step id and labelled name (opType)", async () => {
    const doc = parseXml(await toSvg(branchAndJoin()));
    expect(doc.documentElement!.tagName).toBe("svg");
    expect(doc.documentElement!.getAttribute("xmlns")).toBe("http://www.w3.org/2000/svg");
    const steps: [string, string][] = [
      ["orders.in", "in (input)"],
      ["orders.key", "key (keyOn)"],
      ["orders.big", "big (branch)"],
      ["orders.double", "double (mapValue)"],
      ["orders.j", "j (join)"],
      ["orders.out", "out (output)"],
    ];
    for (const [stepId, label] of steps) {
      const g = doc.getElementById(`step-${stepId}`);
      expect(g, stepId).not.toBeNull();
      expect(g!.getAttribute("class")!.split(" ")).toContain("step");
      expect(g!.getElementsByTagName("title")[0].textContent).toBe(stepId);
      expect(g!.getElementsByTagName("text")[0].textContent).toBe(label);
    }
    const nodes = Array.from(doc.getElementsByTagName("g")).filter((g) => g.getAttribute("class")?.split(" ").includes("step"));
    expect(nodes).toHaveLength(steps.length);
  });

  it("draws an edge per stream, with the labels of toDot", async () => {
    const doc = parseXml(await toSvg(branchAndJoin()));
    const edges = Array.from(doc.getElementsByTagName("g")).filter((g) => g.getAttribute("class") === "edge");
    // Graphviz writes the edges in an order of its own: compare them as a map.
    const labels = new Map(
      edges.map((g) => [g.getElementsByTagName("title")[0].textContent, Array.from(g.getElementsByTagName("text")).map((t) => t.textContent)]),
    );
    expect(labels).toEqual(
      new Map([
        ["orders.in->orders.key", []],
        ["orders.key->orders.big", []],
        ["orders.big->orders.double", ["trues"]],
        ["orders.double->orders.j", ["sides[0]"]],
        ["orders.big->orders.j", ["falses → sides[1]"]],
        ["orders.j->orders.out", []],
      ]),
    );
  });

  it("keeps names with XML's special characters intact", async () => {
    const flow = new Dataflow("a<b>&c");
    flow
      .input('in "1"', new TestingSource([1]))
      .map("x\\y", (x) => x)
      .output("out", new TestingSink([]));
    const doc = parseXml(await toSvg(flow));
    expect(doc.getElementById('step-a<b>&c.in "1"')!.getElementsByTagName("text")[0].textContent).toBe('in "1" (input)');
    expect(doc.getElementById("step-a<b>&c.x\\y")!.getElementsByTagName("text")[0].textContent).toBe("x\\y (map)");
  });

  it("rejects anything but a Dataflow", async () => {
    await expect(toSvg(42 as unknown as Dataflow)).rejects.toThrow(BuildError);
    await expect(toSvg(42 as unknown as Dataflow)).rejects.toThrow("toDot needs a Dataflow; got number");
  });
});

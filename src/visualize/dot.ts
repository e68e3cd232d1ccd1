/**
 * `toDot`: a Graphviz DOT graph of a dataflow's top-level steps.
 *
 * @module
 */
import type { Dataflow } from "../dataflow/dataflow.js";
import { flowTree, type FlowJson, type StepJson } from "./json.js";

/** The font of every label: one Graphviz knows the widths of, then the browser's. */
const FONT = "Helvetica,Arial,sans-serif";

/**
 * Describe the top-level steps of a dataflow as a Graphviz DOT graph, drawn
 * from the step tree {@link toJson} writes: one box per step, labelled
 * `"<name> (<opType>)"`, in the order the steps were added, each followed by
 * one edge per stream flowing into it. Steps inside derived operators are
 * not drawn.
 *
 * An edge is labelled only where an end of it needs telling apart:
 * - at its tail, the output port, when the step it leaves has more than one
 *   (`branch`'s `trues` and `falses`, a window's `down`, `late` and `meta`);
 * - at its head, the input, when the step it enters has more than one:
 *   the port's name when the step has several input ports, and the
 *   stream's place in a port that takes a list (`join`'s `sides[0]`,
 *   `sides[1]`, `merge`'s `ups[0]` …).
 *
 * With both, the label is `"<output> → <input>"`; a plain `down` to `up`
 * edge has none.
 *
 * Each step's node has the DOT attributes `id="step-<stepId>"` and
 * `class="step"`, which Graphviz puts on the node's `<g>` element in SVG
 * (as `class="node step"`), so a script in a page (see {@link toHtml}) can
 * find a step's box. Render
 * the text with {@link toSvg}, or with Graphviz's `dot` command.
 *
 * @param flow - The dataflow to draw.
 * @returns The DOT source, lines joined with `"\n"`, no trailing newline.
 * @throws {@link sluice!BuildError} when `flow` is not a `Dataflow`.
 * @category Visualize
 * @example
 * ```ts
 * const flow = new Dataflow("f");
 * const { trues, falses } = flow.input("in", new TestingSource([1, 2])).branch("even", (x) => x % 2 === 0);
 * op.merge("both", trues, falses).output("out", new TestingSink([]));
 * console.log(toDot(flow));
 * // digraph "f" {
 * //   graph [label="f (Dataflow)", labelloc="t", fontname="Helvetica,Arial,sans-serif"];
 * //   node [shape="box", style="rounded", fontname="Helvetica,Arial,sans-serif"];
 * //   edge [fontname="Helvetica,Arial,sans-serif", fontsize="10"];
 * //   "f.in" [id="step-f.in", class="step", label="in (input)"];
 * //   "f.even" [id="step-f.even", class="step", label="even (branch)"];
 * //   "f.in" -> "f.even";
 * //   "f.both" [id="step-f.both", class="step", label="both (merge)"];
 * //   "f.even" -> "f.both" [label="trues → ups[0]"];
 * //   "f.even" -> "f.both" [label="falses → ups[1]"];
 * //   "f.out" [id="step-f.out", class="step", label="out (output)"];
 * //   "f.both" -> "f.out";
 * // }
 * ```
 */
export function toDot(flow: Dataflow): string {
  return dotOf(flowTree(flow, "toDot"));
}

/** The DOT text of a step tree. */
function dotOf(tree: FlowJson): string {
  const producers = producersOf(tree.substeps);
  const lines = [
    `digraph ${quote(tree.flowId)} {`,
    `  graph [label=${quote(`${tree.flowId} (Dataflow)`)}, labelloc="t", fontname=${quote(FONT)}];`,
    `  node [shape="box", style="rounded", fontname=${quote(FONT)}];`,
    `  edge [fontname=${quote(FONT)}, fontsize="10"];`,
  ];
  for (const step of tree.substeps) {
    lines.push(`  ${quote(step.stepId)} [id=${quote(`step-${step.stepId}`)}, class="step", label=${quote(`${step.stepName} (${step.opType})`)}];`);
    const inputs = step.upPorts.reduce((n, port) => n + port.fromStreamIds.length, 0);
    for (const port of step.upPorts) {
      port.fromStreamIds.forEach((streamId, i) => {
        const from = producers.get(streamId);
        if (from === undefined) return;
        const tail = from.ports > 1 ? from.port : undefined;
        const head = inputs <= 1 ? undefined : port.fromStreamIds.length > 1 ? `${port.portName}[${i}]` : port.portName;
        const label = [tail, head].filter((part) => part !== undefined).join(" → ");
        lines.push(`  ${quote(from.stepId)} -> ${quote(step.stepId)}${label === "" ? "" : ` [label=${quote(label)}]`};`);
      });
    }
  }
  lines.push("}");
  return lines.join("\n");
}

/** Stream id to the top-level step and output port producing it, and how many output ports that step has. */
function producersOf(steps: readonly StepJson[]): Map<string, { stepId: string; port: string; ports: number }> {
  const producers = new Map<string, { stepId: string; port: string; ports: number }>();
  for (const step of steps) {
    for (const port of step.downPorts) {
      producers.set(port.streamId, { stepId: step.stepId, port: port.portName, ports: step.downPorts.length });
    }
  }
  return producers;
}

/**
 * A DOT quoted string. Backslashes are doubled too: in labels and ids
 * Graphviz reads `\N`, `\n` … as escapes, and a step name is shown as typed.
 */
function quote(text: string): string {
  return `"${text.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n")}"`;
}

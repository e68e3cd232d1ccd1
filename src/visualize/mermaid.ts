/**
 * `toMermaid`: a Mermaid flowchart of a dataflow's top-level steps.
 *
 * @module
 */
import { BuildError, describeType } from "../errors.js";
import { Dataflow } from "../dataflow/dataflow.js";
import type { StepNode } from "../dataflow/internal/steps.js";

/**
 * Render the top-level steps of a dataflow as a Mermaid flowchart: one node
 * per step, labelled with its name and operator, in the order the steps were
 * added, each followed by one edge per stream flowing into it, labelled
 * `"<output port> → <input port>"`. Steps inside derived operators are not
 * drawn (see {@link toJson} for the whole tree).
 *
 * The output has this shape (lines joined with `"\n"`, no trailing newline):
 * ```text
 * flowchart TD
 * subgraph "<flowId> (Dataflow)"
 * <stepId>["<name> (<opType>)"]
 * <fromStepId> -- "<fromPort> → <toPort>" --> <stepId>
 * end
 * ```
 * A `"` in a label is written `#quot;`, Mermaid's escape for it. Paste the
 * text in a Markdown ` ```mermaid ` block, or run `sluice visualize flow.ts`.
 *
 * @param flow - The dataflow to draw.
 * @returns The Mermaid source.
 * @throws {@link sluice!BuildError} when `flow` is not a `Dataflow`.
 * @category Visualize
 * @example
 * ```ts
 * const flow = new Dataflow("test_df");
 * flow.input("inp", new TestingSource([1])).map("add_one", (x) => x + 1).output("out", new TestingSink([]));
 * console.log(toMermaid(flow));
 * // flowchart TD
 * // subgraph "test_df (Dataflow)"
 * // test_df.inp["inp (input)"]
 * // test_df.add_one["add_one (map)"]
 * // test_df.inp -- "down → up" --> test_df.add_one
 * // test_df.out["out (output)"]
 * // test_df.add_one -- "down → up" --> test_df.out
 * // end
 * ```
 */
export function toMermaid(flow: Dataflow): string {
  if (!(flow instanceof Dataflow)) {
    throw new BuildError(`toMermaid needs a Dataflow; got ${describeType(flow)}`);
  }
  const steps = flow.substeps;
  const producers = producersOf(steps);
  const lines = ["flowchart TD", `subgraph "${label(flow.flowId)} (Dataflow)"`];
  for (const step of steps) {
    lines.push(`${step.stepId}["${label(step.name)} (${label(step.opType)})"]`);
    for (const [toPort, streamIds] of Object.entries(step.upPorts)) {
      for (const streamId of streamIds) {
        const from = producers.get(streamId);
        if (from === undefined) continue;
        lines.push(`${from.stepId} -- "${label(from.port)} → ${label(toPort)}" --> ${step.stepId}`);
      }
    }
  }
  lines.push("end");
  return lines.join("\n");
}

/** Stream id to the top-level step and output port producing it. */
function producersOf(steps: readonly StepNode[]): Map<string, { stepId: string; port: string }> {
  const producers = new Map<string, { stepId: string; port: string }>();
  for (const step of steps) {
    for (const [port, streamId] of Object.entries(step.downPorts)) producers.set(streamId, { stepId: step.stepId, port });
  }
  return producers;
}

function label(text: string): string {
  return text.replaceAll('"', "#quot;");
}

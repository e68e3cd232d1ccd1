/**
 * Compiling a flow's step tree into a flat, topologically sorted list of core
 * operator nodes.
 *
 * @module
 * @internal
 */
import { BuildError } from "../../errors.js";
import type { Dataflow } from "../../dataflow/dataflow.js";
import type { CoreSpec, StepNode } from "../../dataflow/internal/steps.js";
import type { StateSerde } from "../../recovery/serde.js";
import type { ExchangeClass } from "../../dataflow/dataflow.js";
import { isFixedPartitionedSource } from "../../inputs/source.js";
import { isFixedPartitionedSink, partitionedViewOf } from "../../outputs/sink.js";

/** @internal One core operator of the compiled graph. */
export interface CoreNode {
  /** Full id of the core step. */
  readonly stepId: string;
  /** The step errors are reported against: the user's step, not a built-in substep. */
  readonly userStepId: string;
  readonly spec: CoreSpec;
  /** Ids of the streams this node reads (all ports). */
  readonly ups: readonly string[];
  /** Output stream ids by port, in the node's port order. */
  readonly downs: readonly string[];
}

/**
 * @internal A compiled flow: nodes sorted so every node comes after its
 * inputs, except for the inputs of `feedback` nodes (the edges that close
 * loops), which come from later nodes.
 */
export interface CompiledFlow {
  readonly flowId: string;
  /** Encodes snapshots. */
  readonly stateSerde: StateSerde;
  /** Classes whose instances may cross workers. */
  readonly exchangeClasses: readonly ExchangeClass[];
  readonly nodes: readonly CoreNode[];
}

function collect(steps: readonly StepNode[], userStepId: string | undefined, parentBuiltin: boolean, out: CoreNode[]): void {
  for (const step of steps) {
    // Errors name the innermost step that user code created: a built-in
    // operator's substeps report against that operator's step.
    const attributed = userStepId !== undefined && parentBuiltin ? userStepId : step.stepId;
    if (step.core !== undefined) {
      out.push({
        stepId: step.stepId,
        userStepId: attributed,
        spec: step.core,
        ups: Object.values(step.upPorts).flat(),
        downs: Object.values(step.downPorts),
      });
    } else {
      collect(step.substeps, attributed, step.builtin, out);
    }
  }
}

/**
 * @internal Flatten and sort the flow's core operators.
 * @throws BuildError when the flow has no input, or no output or inspect step.
 */
export function compileFlow(flow: Dataflow): CompiledFlow {
  const all: CoreNode[] = [];
  collect(flow.substeps, undefined, false, all);
  if (!all.some((n) => n.spec.kind === "input")) {
    throw new BuildError(`dataflow '${flow.flowId}' has no input step: add one with \`flow.input(...)\``);
  }
  if (!all.some((n) => n.spec.kind === "output" || n.spec.kind === "inspectDebug")) {
    throw new BuildError(
      `dataflow '${flow.flowId}' has no output or inspect step: add one with \`output(...)\` or \`inspect(...)\``,
    );
  }
  const producer = new Map<string, CoreNode>();
  for (const n of all) for (const s of n.downs) producer.set(s, n);
  for (const n of all) {
    if (n.spec.kind === "feedback" && n.ups.length === 0) {
      throw new BuildError(`feedback step '${n.stepId}' is never fed: call \`from(stream)\` on what \`op.feedback\` returned`);
    }
  }
  const sorted: CoreNode[] = [];
  const state = new Map<CoreNode, 1 | 2>();
  const visit = (n: CoreNode): void => {
    const st = state.get(n);
    if (st === 2) return;
    if (st === 1) throw new BuildError(`dataflow '${flow.flowId}' has a cycle through step '${n.stepId}'`);
    state.set(n, 1);
    for (const s of n.ups) {
      const p = producer.get(s);
      if (p === undefined) throw new BuildError(`step '${n.stepId}' reads stream '${s}' that no step produces`);
      // A loop's re-entry comes before the steps feeding it back: it is an origin, like an input.
      if (n.spec.kind !== "feedback") visit(p);
    }
    state.set(n, 2);
    sorted.push(n);
  };
  // Inputs first in definition order, so polling order is the definition order.
  for (const n of all) if (n.spec.kind === "input") visit(n);
  for (const n of all) visit(n);
  return { flowId: flow.flowId, stateSerde: flow.stateSerde, exchangeClasses: flow.exchangeClasses, nodes: sorted };
}


/**
 * @internal Whether a node of this kind stores state with recovery: keyed
 * state, a fixed-partitioned source's or sink's partitions, a loop's items in
 * flight. Its `stepId` is then the step id its snapshots are stored under
 * (the `step_id` of a recovery partition's `snaps`).
 */
export function ownsState(spec: CoreSpec): boolean {
  switch (spec.kind) {
    case "statefulBatch":
    case "feedback":
      return true;
    case "input":
      return isFixedPartitionedSource(spec.source);
    case "output":
      return isFixedPartitionedSink(spec.sink) || partitionedViewOf(spec.sink) !== undefined;
    default:
      return false;
  }
}

/**
 * @internal The ids of `flow`'s core steps that store state with recovery
 * (see {@link ownsState}), in graph order: what a recovery directory's
 * stored step ids are compared with.
 *
 * @throws BuildError as {@link compileFlow} does.
 */
export function stateStepIds(flow: Dataflow): string[] {
  return compileFlow(flow).nodes.filter((n) => ownsState(n.spec)).map((n) => n.stepId);
}

/**
 * `toJson`: the step tree of a dataflow as JSON.
 *
 * @module
 */
import { BuildError, describeType } from "../errors.js";
import { Dataflow } from "../dataflow/dataflow.js";
import type { StepNode } from "../dataflow/internal/steps.js";

/**
 * Describe a dataflow's whole step tree as pretty-printed JSON (2-space
 * indent), modelled on Bytewax's `to_json`: the flow, then every step with
 * its ports and, for steps made of other steps, their `substeps`, down to the
 * core operators. Only names and ids are written, never sources, sinks or
 * user functions.
 *
 * Shape:
 * ```text
 * { "type": "Dataflow", "flowId", "substeps": [
 *   { "type": "Operator", "opType", "stepName", "stepId",
 *     "upPorts": [{ "portName", "portId", "fromStreamIds": [...] }],
 *     "downPorts": [{ "portName", "portId", "streamId" }],
 *     "substeps": [...] } ] }
 * ```
 * `portId` is `"<stepId>.<portName>"`; `fromStreamIds` and `streamId` are
 * the ids of the core-operator ports the streams come from, so a derived
 * step's output stream id names the inner step that produces it.
 *
 * @param flow - The dataflow to describe.
 * @returns The JSON text.
 * @throws {@link sluice!BuildError} when `flow` is not a `Dataflow`.
 * @category Visualize
 * @example
 * ```ts
 * const flow = new Dataflow("f");
 * flow.input("in", new TestingSource([1])).map("add", (x) => x + 1).output("out", new TestingSink([]));
 * JSON.parse(toJson(flow)).substeps[1];
 * // {
 * //   type: "Operator", opType: "map", stepName: "add", stepId: "f.add",
 * //   upPorts: [{ portName: "up", portId: "f.add.up", fromStreamIds: ["f.in.down"] }],
 * //   downPorts: [{ portName: "down", portId: "f.add.down", streamId: "f.add.flat_map_batch.down" }],
 * //   substeps: [{ type: "Operator", opType: "flatMapBatch", stepName: "flat_map_batch",
 * //                stepId: "f.add.flat_map_batch", ... }],
 * // }
 * ```
 */
export function toJson(flow: Dataflow): string {
  return JSON.stringify(flowTree(flow, "toJson"), null, 2);
}

/**
 * @internal The step tree {@link toJson} writes, as objects: what the other
 * pictures (`toDot`, `toSvg`) are drawn from.
 *
 * @param flow - The dataflow to describe.
 * @param caller - The public function asking, named when `flow` is not a `Dataflow`.
 * @throws {@link sluice!BuildError} when `flow` is not a `Dataflow`.
 */
export function flowTree(flow: Dataflow, caller: string): FlowJson {
  if (!(flow instanceof Dataflow)) {
    throw new BuildError(`${caller} needs a Dataflow; got ${describeType(flow)}`);
  }
  return { type: "Dataflow", flowId: flow.flowId, substeps: flow.substeps.map(stepJson) };
}

/** @internal A dataflow as {@link toJson} writes it. */
export interface FlowJson {
  type: "Dataflow";
  flowId: string;
  substeps: StepJson[];
}

/** @internal A step as {@link toJson} writes it. */
export interface StepJson {
  type: "Operator";
  opType: string;
  stepName: string;
  stepId: string;
  upPorts: { portName: string; portId: string; fromStreamIds: string[] }[];
  downPorts: { portName: string; portId: string; streamId: string }[];
  substeps: StepJson[];
}

function stepJson(step: StepNode): StepJson {
  return {
    type: "Operator",
    opType: step.opType,
    stepName: step.name,
    stepId: step.stepId,
    upPorts: Object.entries(step.upPorts).map(([portName, ids]) => ({
      portName,
      portId: `${step.stepId}.${portName}`,
      fromStreamIds: [...ids],
    })),
    downPorts: Object.entries(step.downPorts).map(([portName, streamId]) => ({
      portName,
      portId: `${step.stepId}.${portName}`,
      streamId,
    })),
    substeps: step.substeps.map(stepJson),
  };
}

/**
 * `defineOperator`: the one place step ids are validated, scoped and recorded.
 *
 * @module
 */
import { BuildError, describeType } from "../../errors.js";
import type { CoreSpec, Scope, StepNode } from "./steps.js";
import type { Stream } from "../stream.js";
import type { Dataflow } from "../dataflow.js";
import { flowRoot, isDataflow, isStream, makeStream, withFlowScope } from "./scope.js";

/**
 * The input ports of an operator: each a stream, or a list of streams for a
 * port that takes many (like `merge`'s `ups`).
 *
 * @category Dataflow
 */
export type OperatorInputs = { readonly [port: string]: Stream<any> | readonly Stream<any>[] };

/**
 * The output ports of an operator: port name to stream.
 *
 * @category Dataflow
 */
export type OperatorOutputs = { readonly [port: string]: Stream<any> };

/**
 * What an operator body learns about the step it builds.
 *
 * @category Dataflow
 */
export interface StepContext {
  /** Full id of the step being built, for error messages of shims. */
  readonly stepId: string;
}

const BUILTIN = Symbol("sluice.builtin");

/** @internal Marks a step as made by a built-in operator (errors name the user's step). */
export const builtin = { [BUILTIN]: true } as const;

/** @internal */
export type BuiltinMark = typeof builtin;

function checkStepId(stepId: unknown, where: string): asserts stepId is string {
  if (typeof stepId !== "string" || stepId.length === 0 || stepId.includes(".")) {
    throw new BuildError(
      `step id ${typeof stepId === "string" ? JSON.stringify(stepId) : `of type ${describeType(stepId)}`} in ${where} is invalid: ` +
        "a step id must be a non-empty string without '.'",
    );
  }
}

function scopeOf(opType: string, stepId: string, ins: OperatorInputs | Dataflow): Scope {
  if (isDataflow(ins)) return flowRoot(ins);
  let scope: Scope | undefined;
  for (const [port, value] of Object.entries(ins)) {
    const streams = Array.isArray(value) ? value : [value];
    for (const s of streams) {
      if (!isStream(s)) {
        throw new BuildError(
          `argument '${port}' of \`${opType}\` step '${stepId}' must be a Stream; got ${describeType(s)}`,
        );
      }
      if (scope === undefined) scope = s._scope;
      else if (s._scope !== scope) {
        throw new BuildError(
          `streams given to \`${opType}\` step '${stepId}' come from different ` +
            `${s._scope.flow === scope.flow ? "scopes" : "dataflows"} ('${scope.id}' and '${s._scope.id}')`,
        );
      }
    }
  }
  if (scope === undefined) {
    throw new BuildError(`\`${opType}\` step '${stepId}' needs at least one input stream`);
  }
  return scope;
}

function openStep(
  opType: string,
  stepId: string,
  ins: OperatorInputs | Dataflow,
  core: CoreSpec | undefined,
  isBuiltin: boolean,
): { node: StepNode; outer: Scope; inner: Scope } {
  const outer = scopeOf(opType, String(stepId), ins);
  checkStepId(stepId, `\`${opType}\` under '${outer.id}'`);
  const id = `${outer.id}.${stepId}`;
  if (outer.substeps.some((s) => s.name === stepId)) throw new BuildError(`step '${id}' already exists`);
  const upPorts: Record<string, readonly string[]> = {};
  if (!isDataflow(ins)) {
    for (const [port, value] of Object.entries(ins)) {
      upPorts[port] = (Array.isArray(value) ? value : [value]).map((s: Stream<unknown>) => s.streamId);
    }
  }
  const node: StepNode = { stepId: id, name: stepId, opType, upPorts, downPorts: {}, substeps: [], core, builtin: isBuiltin };
  outer.substeps.push(node);
  return { node, outer, inner: { id, step: node, substeps: node.substeps, flow: outer.flow } };
}

function rescope<P extends OperatorInputs | OperatorOutputs>(ports: P, scope: Scope): P {
  const out: Record<string, unknown> = {};
  for (const [port, value] of Object.entries(ports)) {
    out[port] = Array.isArray(value)
      ? value.map((s: Stream<unknown>) => makeStream(s.streamId, scope))
      : makeStream((value as Stream<unknown>).streamId, scope);
  }
  return out as P;
}

/**
 * Define a step made of other steps: the building block of every derived
 * operator, and of custom operators.
 *
 * It validates `stepId` (non-empty, no `.`, unique among its siblings),
 * records the step with its ports in the flow's step tree, and calls `body`
 * with the input streams re-scoped inside the new step, so the steps `body`
 * adds are nested as `"<flow>.<stepId>.<name>"`. The streams `body` returns
 * become the step's output ports.
 *
 * @param opType - Name of the operator, shown by `toMermaid` (`"myOp"`).
 * @param stepId - The step's name within its parent.
 * @param ins - The input streams by port name, or the `Dataflow` for a step
 *   without inputs.
 * @param body - Builds the inside of the step from its inputs.
 * @returns The output streams, by port name.
 * @throws {@link BuildError} for a bad or duplicate step id, or an input
 *   that is not a `Stream`.
 * @category Dataflow
 * @example
 * ```ts
 * function double(stepId: string, up: Stream<number>): Stream<number> {
 *   return defineOperator("double", stepId, { up }, ({ up }) => ({
 *     down: up.map("times_two", (x) => x * 2),
 *   })).down;
 * }
 * const flow = new Dataflow("f");
 * double("d", flow.input("in", new TestingSource([1, 2]))).output("out", new TestingSink(out));
 * // step ids: f.in, f.d (with substep f.d.times_two), f.out; out = [2, 4]
 * ```
 */
export function defineOperator<const I extends OperatorInputs, O extends OperatorOutputs>(
  opType: string,
  stepId: string,
  ins: I | Dataflow,
  body: (ins: I, step: StepContext) => O,
  mark?: BuiltinMark,
): O {
  const { node, outer, inner } = openStep(opType, stepId, ins, undefined, mark?.[BUILTIN] === true);
  let outs: O;
  try {
    outs =
      isDataflow(ins)
        ? withFlowScope(ins, inner, () => body({} as I, { stepId: node.stepId }))
        : body(rescope(ins, inner), { stepId: node.stepId });
  } catch (err) {
    // Leave no half-built step behind: the id stays free.
    outer.substeps.splice(outer.substeps.indexOf(node), 1);
    throw err;
  }
  if (typeof outs !== "object" || outs === null) {
    throw new BuildError(`body of \`${opType}\` step '${node.stepId}' must return an object of output streams`);
  }
  for (const [port, s] of Object.entries(outs)) {
    if (!isStream(s)) {
      throw new BuildError(`output '${port}' of \`${opType}\` step '${node.stepId}' must be a Stream; got ${describeType(s)}`);
    }
    node.downPorts[port] = s.streamId;
  }
  return rescope(outs, outer);
}

/**
 * @internal Record a core operator step: no body, output streams are named
 * `"<stepId>.<port>"`.
 */
export function defineCore<P extends string>(
  opType: string,
  stepId: string,
  ins: OperatorInputs | Dataflow,
  core: CoreSpec,
  outPorts: readonly P[],
): Record<P, Stream<any>> {
  const { node, outer } = openStep(opType, stepId, ins, core, true);
  const outs = {} as Record<P, Stream<any>>;
  for (const port of outPorts) {
    const streamId = `${node.stepId}.${port}`;
    node.downPorts[port] = streamId;
    outs[port] = makeStream(streamId, outer);
  }
  return outs;
}

/**
 * Where steps are added, and the streams they make: the leaf of
 * `src/dataflow` through which `defineOperator` (the bottom of the layer)
 * reaches `Dataflow` and `Stream` (its top) without importing them as values.
 *
 * A `Dataflow` registers itself here when it is constructed, and the
 * `Stream` module registers its class when it loads (`dataflow.ts` imports
 * it, so the class is registered before any flow exists). This module
 * imports both only as types, so the layer has no value-import cycle
 * (CONVENTIONS.md rule 11).
 *
 * @module
 * @internal
 */
import type { Dataflow } from "../dataflow.js";
import type { Stream } from "../stream.js";
import type { Scope } from "./steps.js";

/** Per flow: its root scope, and the scopes of Dataflow-taking operators being built. */
const SCOPES = new WeakMap<Dataflow, Scope[]>();

/** @internal The constructor of `Stream`, as `stream.ts` registers it. */
export type StreamClass = new (streamId: string, scope: Scope) => Stream<any>;

let streamClass: StreamClass | undefined;

/** @internal Record a new flow: its root scope has the flow's id and no steps yet. */
export function registerFlow(flow: Dataflow): void {
  SCOPES.set(flow, [{ id: flow.flowId, step: undefined, substeps: [], flow }]);
}

/** @internal Whether `value` is a `Dataflow` (one that was constructed, so has its scopes). */
export function isDataflow(value: unknown): value is Dataflow {
  return SCOPES.has(value as Dataflow);
}

/** @internal The flow's root scope: its top-level steps. */
export function rootScope(flow: Dataflow): Scope {
  return SCOPES.get(flow)![0];
}

/**
 * @internal Where steps taking `flow` itself (like inputs) are added: the
 * flow's root, or the inside of the Dataflow-taking operator being built.
 */
export function flowRoot(flow: Dataflow): Scope {
  const scopes = SCOPES.get(flow)!;
  return scopes[scopes.length - 1];
}

/** @internal Run `body` with `flow`'s inputs added inside `scope`. */
export function withFlowScope<R>(flow: Dataflow, scope: Scope, body: () => R): R {
  const scopes = SCOPES.get(flow)!;
  scopes.push(scope);
  try {
    return body();
  } finally {
    scopes.pop();
  }
}

/** @internal Called once by `stream.ts` as it loads: the class {@link makeStream} makes. */
export function registerStreamClass(cls: StreamClass): void {
  streamClass = cls;
}

/** @internal Whether `value` is a `Stream` (never, before the class is registered: none exists). */
export function isStream(value: unknown): value is Stream<unknown> {
  return streamClass !== undefined && value instanceof streamClass;
}

/** @internal A new handle on the stream `streamId`, whose steps are added in `scope`. */
export function makeStream(streamId: string, scope: Scope): Stream<any> {
  if (streamClass === undefined) {
    throw new Error("internal error: the Stream class is not registered (dataflow.ts imports stream.ts to register it)");
  }
  return new streamClass(streamId, scope);
}

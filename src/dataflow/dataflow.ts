/**
 * `Dataflow`: the container of a flow's steps.
 *
 * @module
 */
import { BuildError, describeType } from "../errors.js";
import type { Source } from "../inputs/source.js";
import type { Scope, StepNode } from "./internal/steps.js";
import type { Stream } from "./stream.js";
import { input } from "./operators/input.js";
import { defaultSerde, type StateSerde } from "../recovery/serde.js";

/**
 * Options of a {@link Dataflow}.
 *
 * @category Dataflow
 */
export interface DataflowOptions {
  /**
   * How snapshots of keyed state and partitions become bytes (default
   * {@link defaultSerde}: plain data, `Map`, `Set`, `Date`, `BigInt`, typed
   * arrays). Snapshots are checked with it at every epoch close.
   */
  stateSerde?: StateSerde;
}

/** Per flow: its root scope, and the scopes of Dataflow-taking operators being built. */
const SCOPES = new WeakMap<Dataflow, Scope[]>();

/**
 * A dataflow definition: a tree of steps between inputs and outputs. Building
 * a flow runs nothing; pass it to `runMain` or run its module with
 * `sluice run`.
 *
 * @category Dataflow
 * @example
 * ```ts
 * const flow = new Dataflow("wordcount");
 * flow
 *   .input("lines", new TestingSource(["a b", "b"]))
 *   .flatMap("words", (line) => line.split(" "))
 *   .output("out", new TestingSink(out));
 * await runMain(flow);
 * // out = ["a", "b", "b"]
 * ```
 */
export class Dataflow {
  /** The flow's id, the first part of every step id. */
  readonly flowId: string;
  /** How this flow's snapshots are encoded. */
  readonly stateSerde: StateSerde;

  /**
   * @param flowId - Non-empty, without `.`.
   * @param options - `stateSerde` for snapshots.
   * @throws {@link BuildError} for an invalid id.
   */
  constructor(flowId: string, options: DataflowOptions = {}) {
    if (typeof flowId !== "string" || flowId.length === 0 || flowId.includes(".")) {
      throw new BuildError(
        `dataflow id ${typeof flowId === "string" ? JSON.stringify(flowId) : `of type ${describeType(flowId)}`} is invalid: ` +
          "it must be a non-empty string without '.'",
      );
    }
    this.flowId = flowId;
    this.stateSerde = options.stateSerde ?? defaultSerde;
    SCOPES.set(this, [{ id: flowId, step: undefined, substeps: [], flow: this }]);
  }

  /** The top-level steps, in the order they were added. */
  get substeps(): readonly StepNode[] {
    return SCOPES.get(this)![0].substeps;
  }

  /**
   * Add an input step: `flow.input(id, source)` is `op.input(id, flow, source)`.
   *
   * @param stepId - The step's name.
   * @param source - A fixed-partitioned or dynamic source.
   * @returns The stream of the source's items.
   */
  input<X>(stepId: string, source: Source<X>): Stream<X> {
    return input(stepId, this, source);
  }
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

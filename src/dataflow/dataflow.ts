/**
 * `Dataflow`: the container of a flow's steps.
 *
 * @module
 */
import { BuildError, describeType } from "../errors.js";
import type { Source } from "../inputs/source.js";
import type { StepNode } from "./internal/steps.js";
import type { Stream } from "./stream.js";
// Loaded for its effect: it registers the Stream class that operators make
// streams of, so the class is there before any flow can add a step.
import "./stream.js";
import { input } from "./operators/input.js";
import { registerFlow, rootScope } from "./internal/scope.js";
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
    registerFlow(this);
  }

  /** The top-level steps, in the order they were added. */
  get substeps(): readonly StepNode[] {
    return rootScope(this).substeps;
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

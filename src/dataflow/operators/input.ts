import { BuildError, describeType } from "../../errors.js";
import { isDynamicSource, isFixedPartitionedSource, type Source } from "../../inputs/source.js";
import type { Dataflow } from "../dataflow.js";
import type { Stream } from "../stream.js";
import { defineCore } from "../internal/operator.js";

/**
 * Read items from a source. Core operator; `flow.input(id, source)` is the
 * same. Items are stamped with the current epoch.
 *
 * @param stepId - The step's name.
 * @param flow - The dataflow to add the input to.
 * @param source - A `FixedPartitionedSource` or a `DynamicSource`.
 * @returns The stream of the source's items.
 * @throws {@link BuildError} when `source` is neither kind of source.
 * @category Stateless
 * @example
 * ```ts
 * const lines = op.input("lines", flow, new FileSource("in.txt"));
 * ```
 */
export function input<X>(stepId: string, flow: Dataflow, source: Source<X>): Stream<X> {
  if (!isFixedPartitionedSource(source) && !isDynamicSource(source)) {
    throw new BuildError(
      `source of input step '${flow.flowId}.${stepId}' must be a FixedPartitionedSource or a DynamicSource; ` +
        `got ${describeType(source)}`,
    );
  }
  return defineCore("input", stepId, flow, { kind: "input", source }, ["down"]).down;
}

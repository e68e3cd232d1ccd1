import { BuildError, describeType } from "../../errors.js";
import { isDynamicSink, isFixedPartitionedSink, type DynamicSink, type FixedPartitionedSink } from "../../outputs/sink.js";
import type { KeyedStream, Stream } from "../stream.js";
import { defineCore } from "../internal/operator.js";

/**
 * Write items to a sink. Core operator. A `FixedPartitionedSink` takes
 * `[key, value]` items: the key picks the partition and only the value is
 * written. A `DynamicSink` takes items as they are, on every worker.
 *
 * @param stepId - The step's name.
 * @param up - Stream to write.
 * @param sink - Where to write.
 * @throws {@link BuildError} when `sink` is neither kind of sink.
 * @category Stateless
 * @example
 * ```ts
 * counts.map("fmt", ([w, n]) => `${w} ${n}`).output("out", new StdOutSink());
 * ```
 */
export function output<V>(stepId: string, up: KeyedStream<V>, sink: FixedPartitionedSink<V, any>): void;
export function output<X>(stepId: string, up: Stream<X>, sink: DynamicSink<X>): void;
export function output(stepId: string, up: Stream<unknown>, sink: FixedPartitionedSink<unknown, any> | DynamicSink<unknown>): void {
  if (!isFixedPartitionedSink(sink) && !isDynamicSink(sink)) {
    throw new BuildError(
      `sink of output step '${stepId}' must be a FixedPartitionedSink or a DynamicSink; got ${describeType(sink)}`,
    );
  }
  defineCore("output", stepId, { up }, { kind: "output", sink }, []);
}

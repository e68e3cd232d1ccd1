import type { Stream } from "../../../dataflow/stream.js";
import { builtin, defineOperator } from "../../../dataflow/internal/operator.js";
import { KafkaSink, type KafkaSinkOptions } from "../kafkaSink.js";
import type { KafkaSinkMessage } from "../messages.js";

/**
 * Write messages to Kafka: a `KafkaSink` (substep `kafka_output`). Keys and
 * values must already be bytes or strings (see `serializeKey` /
 * `serializeValue`). Delivery is at least once.
 *
 * @param stepId - The step's name.
 * @param up - The messages.
 * @param options - Brokers, default topic and the other `KafkaSink` options.
 * @throws {@link sluice!BuildError | BuildError} for an invalid option.
 * @category Connectors
 * @example
 * ```ts
 * const msgs = counts.map("msg", ([word, n]) => ({ key: word, value: String(n) }));
 * kop.output("out", msgs, { brokers: ["127.0.0.1:9092"], topic: "word-counts" });
 * ```
 */
export function output(
  stepId: string,
  up: Stream<KafkaSinkMessage<Buffer | string | null, Buffer | string | null>>,
  options: KafkaSinkOptions,
): void {
  defineOperator(
    "kafka_output",
    stepId,
    { up },
    ({ up }) => {
      up.output("kafka_output", new KafkaSink(options));
      return {};
    },
    builtin,
  );
}

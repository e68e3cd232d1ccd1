import type { Stream } from "../../../dataflow/stream.js";
import { builtin, defineOperator } from "../../../dataflow/internal/operator.js";
import { coreFlatMapBatch } from "../../../dataflow/internal/core.js";
import type { KafkaSinkMessage } from "../messages.js";
import type { KafkaSerializer } from "../codecs.js";
import { serializeBatch } from "../internal/serde.js";
import { checkCodec } from "./checkCodec.js";

/**
 * Encode the value of every message with `serializer`, for `KafkaSink`.
 * `null` values (tombstones) pass unchanged. A serializer that throws, or
 * returns something other than bytes, fails the run with a `StepError`
 * naming the step.
 *
 * @typeParam K - Key type.
 * @typeParam V - Value type before.
 * @param stepId - The step's name.
 * @param up - Messages to write.
 * @param serializer - A {@link KafkaSerializer} such as `jsonCodec()`.
 * @returns The messages with `Buffer` values.
 * @throws {@link sluice!BuildError | BuildError} if `serializer` has no `serialize` method.
 * @category Connectors
 * @example
 * ```ts
 * const msgs = totals.map("msg", ([user, n]) => ({ key: user, value: { user, n } }));
 * kop.output("out", kop.serializeValue("json", msgs, jsonCodec()), { brokers, topic: "totals" });
 * // values written: '{"user":"u1","n":3}' …
 * ```
 */
export function serializeValue<K, V>(
  stepId: string,
  up: Stream<KafkaSinkMessage<K, V>>,
  serializer: KafkaSerializer<Exclude<V, null>>,
): Stream<KafkaSinkMessage<K, Buffer | Extract<V, null>>> {
  checkCodec("serializeValue", stepId, serializer, "serialize");
  return defineOperator(
    "serialize_value",
    stepId,
    { up },
    ({ up }) => ({ down: coreFlatMapBatch("serialize", up, (xs) => serializeBatch(xs, "value", serializer), "serializer") }),
    builtin,
  ).down as Stream<KafkaSinkMessage<K, Buffer | Extract<V, null>>>;
}

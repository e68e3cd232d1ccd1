import type { Stream } from "../../../dataflow/stream.js";
import { builtin, defineOperator } from "../../../dataflow/internal/operator.js";
import { coreFlatMapBatch } from "../../../dataflow/internal/core.js";
import type { KafkaSinkMessage } from "../messages.js";
import type { KafkaSerializer } from "../codecs.js";
import { serializeBatch } from "../internal/serde.js";
import { checkCodec } from "./checkCodec.js";

/**
 * Encode the key of every message with `serializer`, for `KafkaSink`.
 * Messages without a key (absent or `null`) pass unchanged. A serializer
 * that throws, or returns something other than bytes, fails the run with a
 * `StepError` naming the step (encoding is the flow's own data, so a
 * failure is a bug, not bad input).
 *
 * @typeParam K - Key type before.
 * @typeParam V - Value type.
 * @param stepId - The step's name.
 * @param up - Messages to write.
 * @param serializer - A {@link KafkaSerializer} such as `utf8Codec()` or `jsonCodec()`.
 * @returns The messages with `Buffer` keys.
 * @throws {@link sluice!BuildError | BuildError} if `serializer` has no `serialize` method.
 * @category Connectors
 * @example
 * ```ts
 * const msgs = totals.map("msg", ([user, n]) => ({ key: { user }, value: String(n) }));
 * kop.serializeKey("key_json", msgs, jsonCodec()); // keys now <Buffer 7b 22 75 …> ('{"user":…}')
 * ```
 */
export function serializeKey<K, V>(
  stepId: string,
  up: Stream<KafkaSinkMessage<K, V>>,
  serializer: KafkaSerializer<Exclude<K, null | undefined>>,
): Stream<KafkaSinkMessage<Buffer | Extract<K, null>, V>> {
  checkCodec("serializeKey", stepId, serializer, "serialize");
  return defineOperator(
    "serialize_key",
    stepId,
    { up },
    ({ up }) => ({ down: coreFlatMapBatch("serialize", up, (xs) => serializeBatch(xs, "key", serializer), "serializer") }),
    builtin,
  ).down as Stream<KafkaSinkMessage<Buffer | Extract<K, null>, V>>;
}

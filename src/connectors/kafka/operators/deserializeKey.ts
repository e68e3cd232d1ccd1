import type { Stream } from "../../../dataflow/stream.js";
import { builtin, defineOperator } from "../../../dataflow/internal/operator.js";
import { coreFlatMapBatch } from "../../../dataflow/internal/core.js";
import { isKafkaSourceError, type KafkaSourceMessage } from "../messages.js";
import type { KafkaDeserializer } from "../codecs.js";
import { deserializeBatch } from "../internal/serde.js";
import type { KafkaOpOut } from "./kafkaOpOut.js";
import { checkCodec } from "./checkCodec.js";

/**
 * Decode the key of every message with `deserializer`. Messages without a
 * key (`null`) pass with a `null` key. A message whose key cannot be
 * decoded (the deserializer throws) becomes an error item in `errs`,
 * holding the error and the message as read; the run goes on.
 *
 * @typeParam K - Key type before (`Buffer | null` as read).
 * @typeParam V - Value type.
 * @typeParam T - Decoded key type.
 * @param stepId - The step's name.
 * @param up - Messages as read (the `oks` of `kop.input`).
 * @param deserializer - A {@link KafkaDeserializer} such as `utf8Codec()` or `jsonCodec()`.
 * @returns `{ oks, errs }`.
 * @throws {@link sluice!BuildError | BuildError} if `deserializer` has no `deserialize` method.
 * @category Connectors
 * @example
 * ```ts
 * const { oks: msgs } = kop.input("in", flow, { brokers, topics: ["clicks"] });
 * const { oks, errs } = kop.deserializeKey("key", msgs, utf8Codec());
 * oks.map("user", (m) => m.key); // "u1", "u2", … (null for records without key)
 * ```
 */
export function deserializeKey<K extends Buffer | null, V, T>(
  stepId: string,
  up: Stream<KafkaSourceMessage<K, V>>,
  deserializer: KafkaDeserializer<T>,
): KafkaOpOut<T | Extract<K, null>, V, K, V> {
  checkCodec("deserializeKey", stepId, deserializer, "deserialize");
  return defineOperator(
    "deserialize_key",
    stepId,
    { up },
    ({ up }) => {
      const decoded = coreFlatMapBatch("deserialize", up, (xs) => deserializeBatch(xs, "key", deserializer), "deserializer");
      const { trues, falses } = decoded.branch("split_err", isKafkaSourceError);
      return { oks: falses, errs: trues };
    },
    builtin,
  ) as unknown as KafkaOpOut<T | Extract<K, null>, V, K, V>;
}

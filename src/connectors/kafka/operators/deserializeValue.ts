import type { Stream } from "../../../dataflow/stream.js";
import { builtin, defineOperator } from "../../../dataflow/internal/operator.js";
import { coreFlatMapBatch } from "../../../dataflow/internal/core.js";
import { isKafkaSourceError, type KafkaSourceMessage } from "../messages.js";
import type { KafkaDeserializer } from "../codecs.js";
import { deserializeBatch } from "../internal/serde.js";
import type { KafkaOpOut } from "./kafkaOpOut.js";
import { checkCodec } from "./checkCodec.js";

/**
 * Decode the value of every message with `deserializer`. Tombstones (`null`
 * values) pass with a `null` value. A message whose value cannot be decoded
 * (the deserializer throws) becomes an error item in `errs`, holding the
 * error and the message as read; the run goes on.
 *
 * @typeParam K - Key type.
 * @typeParam V - Value type before (`Buffer | null` as read).
 * @typeParam T - Decoded value type.
 * @param stepId - The step's name.
 * @param up - Messages as read (the `oks` of `kop.input`).
 * @param deserializer - A {@link KafkaDeserializer} such as `jsonCodec()`.
 * @returns `{ oks, errs }`.
 * @throws {@link sluice!BuildError | BuildError} if `deserializer` has no `deserialize` method.
 * @category Connectors
 * @example
 * ```ts
 * // values '{"n":1}' and 'oops'
 * const { oks, errs } = kop.deserializeValue("json", msgs, jsonCodec<{ n: number }>());
 * // oks: one message with value { n: 1 }
 * // errs: one item, error SyntaxError, message.value <Buffer 6f 6f 70 73>
 * ```
 */
export function deserializeValue<K, V extends Buffer | null, T>(
  stepId: string,
  up: Stream<KafkaSourceMessage<K, V>>,
  deserializer: KafkaDeserializer<T>,
): KafkaOpOut<K, T | Extract<V, null>, K, V> {
  checkCodec("deserializeValue", stepId, deserializer, "deserialize");
  return defineOperator(
    "deserialize_value",
    stepId,
    { up },
    ({ up }) => {
      const decoded = coreFlatMapBatch("deserialize", up, (xs) => deserializeBatch(xs, "value", deserializer), "deserializer");
      const { trues, falses } = decoded.branch("split_err", isKafkaSourceError);
      return { oks: falses, errs: trues };
    },
    builtin,
  ) as unknown as KafkaOpOut<K, T | Extract<V, null>, K, V>;
}

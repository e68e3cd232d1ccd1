/**
 * `KafkaOpOut`: the two streams of the `kop` operators that can fail per message.
 *
 * @module
 */
import type { Stream } from "../../../dataflow/stream.js";
import type { KafkaSourceError, KafkaSourceMessage } from "../messages.js";

/**
 * What `kop.input` and the `kop.deserialize*` operators return: the messages
 * that made it, and an error item for each one that did not (or for each
 * failure of the consumer). Route `errs` somewhere (a dead-letter topic, a
 * log) or assert it stays empty with `op.raises`.
 *
 * @typeParam K - Key type of the good messages.
 * @typeParam V - Value type of the good messages.
 * @typeParam EK - Key type of the messages in error items.
 * @typeParam EV - Value type of the messages in error items.
 * @category Connectors
 * @example
 * ```ts
 * const { oks, errs }: KafkaOpOut<Buffer | null, Buffer | null> = kop.input("in", flow, { brokers, topics: ["t"] });
 * errs.raises("no_errors");
 * ```
 */
export interface KafkaOpOut<K, V, EK = K, EV = V> {
  /** The messages. */
  readonly oks: Stream<KafkaSourceMessage<K, V>>;
  /** The error items. */
  readonly errs: Stream<KafkaSourceError<EK, EV>>;
}

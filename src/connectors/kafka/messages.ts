/**
 * The items of the Kafka connectors: messages read, messages to write, and
 * error items.
 *
 * @module
 */

/**
 * Kafka record headers, as kafkajs represents them: header name to value. A
 * name that occurs several times in a record maps to an array of its values,
 * in order. Headers read by `KafkaSource` hold `Buffer`s; headers written by
 * `KafkaSink` may also hold strings (sent as UTF-8).
 *
 * @category Connectors
 * @example
 * ```ts
 * const headers: KafkaHeaders = { "content-type": "application/json", trace: [Buffer.from("a"), Buffer.from("b")] };
 * ```
 */
export type KafkaHeaders = { [name: string]: Buffer | string | (Buffer | string)[] | undefined };

/**
 * A message read from Kafka by `KafkaSource` (or `kop.input`), with its
 * coordinates. `deserializeKey` / `deserializeValue` replace `key` / `value`
 * and keep the rest.
 *
 * A plain, structured-cloneable object: it can cross workers and be kept in
 * state.
 *
 * @typeParam K - Key type: `Buffer | null` as read (`null` for a record without key).
 * @typeParam V - Value type: `Buffer | null` as read (`null` for a tombstone).
 * @category Connectors
 * @example
 * ```ts
 * // A record produced with key "user-1" and value "{\"clicks\":3}", as read:
 * const msg: KafkaSourceMessage<Buffer | null, Buffer | null> = {
 *   key: Buffer.from("user-1"),
 *   value: Buffer.from('{"clicks":3}'),
 *   topic: "clicks",
 *   partition: 2,
 *   offset: 1041,
 *   timestamp: new Date("2026-01-05T10:00:00Z"),
 *   headers: {},
 * };
 * ```
 */
export interface KafkaSourceMessage<K, V> {
  /** The record's key. */
  readonly key: K;
  /** The record's value. */
  readonly value: V;
  /** The topic it was read from. */
  readonly topic: string;
  /** The partition of `topic` it was read from. */
  readonly partition: number;
  /** Its offset in that partition. */
  readonly offset: number;
  /** The record's timestamp (create time, or log-append time if the topic says so). */
  readonly timestamp: Date;
  /** The record's headers (values are `Buffer`s). */
  readonly headers: KafkaHeaders;
}

/**
 * An error item: what `KafkaSource` emits instead of failing the run when
 * `raiseOnErrors` is `false` (the `errs` stream of `kop.input`), and what the
 * `kop.deserialize*` operators emit for a message they cannot decode (their
 * `errs` stream).
 *
 * @typeParam K - Key type of the message concerned.
 * @typeParam V - Value type of the message concerned.
 * @category Connectors
 * @example
 * ```ts
 * const { oks, errs } = kop.deserializeValue("json", messages, jsonCodec());
 * errs.map("describe", (e) => `${e.topic}[${e.partition}]@${e.message?.offset}: ${e.error.message}`)
 *   .output("log", new StdOutSink());
 * // prints e.g. "orders[0]@17: Unexpected token 'o', "oops" is not valid JSON"
 * ```
 */
export interface KafkaSourceError<K, V> {
  /**
   * What went wrong: a `ConnectorError` for a failure of the consumer (its
   * `cause` is the kafkajs error), or the codec's error for a message that
   * could not be decoded.
   */
  readonly error: Error;
  /** The message concerned, when the error is about one message. */
  readonly message: KafkaSourceMessage<K, V> | undefined;
  /** The topic concerned. */
  readonly topic: string;
  /** The partition concerned. */
  readonly partition: number;
}

/**
 * A message for `KafkaSink` (or `kop.output`) to write. Only `value` is
 * required: `topic` defaults to the sink's `topic`, `partition` to the
 * producer's partitioner (a murmur2 hash of the key, as the Java client
 * does), `timestamp` to the time of sending.
 *
 * @typeParam K - Key type: `Buffer | string | null` when written (strings are sent as UTF-8).
 * @typeParam V - Value type: `Buffer | string | null` when written (`null` is a tombstone).
 * @category Connectors
 * @example
 * ```ts
 * const msg: KafkaSinkMessage<string, string> = {
 *   key: "user-1",
 *   value: JSON.stringify({ clicks: 4 }),
 *   topic: "click-totals",
 *   headers: { source: "sluice" },
 * };
 * ```
 */
export interface KafkaSinkMessage<K, V> {
  /** The record's value. */
  readonly value: V;
  /** The record's key; absent or `null` for none. */
  readonly key?: K | undefined;
  /** The topic to write to; absent for the sink's default `topic`. */
  readonly topic?: string | undefined;
  /** The partition to write to; absent to let the partitioner choose by key. */
  readonly partition?: number | undefined;
  /** The record's headers. */
  readonly headers?: KafkaHeaders | undefined;
  /** The record's timestamp; absent for the time of sending. */
  readonly timestamp?: Date | undefined;
}

/** @internal Whether an item of a Kafka stream is an error item. */
export function isKafkaSourceError<K, V>(
  item: KafkaSourceMessage<K, V> | KafkaSourceError<K, V>,
): item is KafkaSourceError<K, V> {
  return (item as KafkaSourceError<K, V>).error !== undefined;
}

/**
 * StateFun's Kafka egress record type: what a function sends to an egress
 * for Kafka.
 *
 * @module
 */
import { describeType } from "../errors.js";
import { type Type } from "./types.js";
import * as wire from "./internal/wire.js";

/** The typename of StateFun's Kafka egress records (a protobuf `Any` type URL: one `/`). */
const KAFKA_RECORD = "type.googleapis.com/io.statefun.sdk.egress.KafkaProducerRecord";

const utf8 = new TextEncoder();

/**
 * A record for a Kafka topic, as a function sends it to an egress with
 * {@link kafkaEgressType} (StateFun's `KafkaProducerRecord`).
 *
 * @category Functions
 * @example
 * ```ts
 * const record: KafkaEgressRecord = { topic: "greetings", key: "ann", value: "Hello, Ann!" };
 * ```
 */
export interface KafkaEgressRecord {
  /** The topic to write to (non-empty). */
  readonly topic: string;
  /** The record's key, written as UTF-8; absent or `""` for none (the wire does not tell them apart). */
  readonly key?: string | undefined;
  /**
   * The record's value: bytes as they are, or a string written as UTF-8.
   * For a value of a {@link Type}, give `type.serialize(value)`. Read back
   * with `deserialize`, it is always bytes.
   */
  readonly value: Uint8Array | string;
}

/** The value bytes of `record`, or a TypeError saying what is wrong with it. */
function recordBytes(record: unknown): Uint8Array {
  if (typeof record !== "object" || record === null) {
    throw new TypeError(`a value of type '${KAFKA_RECORD}' must be a Kafka egress record { topic, key?, value }; got ${describeType(record)}`);
  }
  const { topic, key, value } = record as { topic?: unknown; key?: unknown; value?: unknown };
  if (typeof topic !== "string" || topic === "") {
    throw new TypeError(`a Kafka egress record needs a \`topic\` (a non-empty string); got ${topic === "" ? '""' : describeType(topic)}`);
  }
  if (key !== undefined && typeof key !== "string") {
    throw new TypeError(`the \`key\` of a Kafka egress record to topic '${topic}' must be a string or absent; got ${describeType(key)}`);
  }
  if (typeof value === "string") return utf8.encode(value);
  if (value instanceof Uint8Array) return value;
  throw new TypeError(`the \`value\` of a Kafka egress record to topic '${topic}' must be a Uint8Array or a string; got ${describeType(value)}`);
}

/**
 * The type of Kafka egress records: what a function sends to an egress
 * whose values are records for Kafka topics. Its typename is StateFun's,
 * `type.googleapis.com/io.statefun.sdk.egress.KafkaProducerRecord`, and its
 * bytes are those of the Python SDK's `kafka_egress_message(typename,
 * topic, value, key=key)`: a remote function's Kafka egress record and an
 * embedded one's are the same thing.
 *
 * `serialize` throws a `TypeError` for a record without `topic`, a `key`
 * that is not a string, or a `value` that is neither bytes nor a string.
 *
 * @category Functions
 * @example
 * ```ts
 * const greeter = bind({
 *   typename: "greeter.fns/greeter",
 *   fn(ctx, msg) {
 *     const text = `Hello, ${msg.as(types.string)}!`;
 *     ctx.sendEgress("greeter.io/kafka", { topic: "greetings", key: ctx.self.id, value: text }, kafkaEgressType);
 *   },
 * });
 * kafkaEgressType.serialize({ topic: "raw", value: new Uint8Array([0, 1]) });
 * // Uint8Array [0x12, 0x02, 0x00, 0x01, 0x1a, 0x03, 0x72, 0x61, 0x77]
 * ```
 */
export const kafkaEgressType: Type<KafkaEgressRecord> = Object.freeze({
  typename: KAFKA_RECORD,
  serialize(record: KafkaEgressRecord): Uint8Array {
    const value = recordBytes(record);
    return wire.encodeKafkaProducerRecord({ topic: record.topic, key: record.key, value });
  },
  deserialize(bytes: Uint8Array): KafkaEgressRecord {
    return wire.decodeKafkaProducerRecord(bytes);
  },
});

/**
 * StateFun's Kafka egress on Sluice's Kafka connector: the Kafka egress
 * record type, and the step from egress records to `KafkaSink` messages.
 *
 * This file imports `sluice/connectors/kafka` for types only, so
 * `sluice/functions` never loads kafkajs.
 *
 * @module
 */
import { describeType } from "../errors.js";
import type { Stream } from "../dataflow/stream.js";
import { defineOperator, builtin } from "../dataflow/internal/operator.js";
import { corePerItem } from "../dataflow/internal/core.js";
import type { KafkaSinkMessage } from "../connectors/kafka/messages.js";
import type { EgressMessage } from "./message.js";
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
 * that {@link kafkaEgress} turns into records for `KafkaSink`. Its
 * typename is StateFun's,
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

/** An egress message of a Kafka egress record as a message for `KafkaSink`. */
function toSinkMessage(m: EgressMessage): KafkaSinkMessage<string, Buffer> {
  if (typeof m !== "object" || m === null || typeof m.typedValue !== "object" || m.typedValue === null) {
    throw new TypeError(`\`kafkaEgress\` takes the EgressMessages of an egress of applyFunctions; got ${describeType(m)}`);
  }
  const { typename, value: bytes } = m.typedValue;
  if (typename !== KAFKA_RECORD) {
    throw new TypeError(`the egress '${m.typename}' got a '${typename}', not a Kafka egress record ('${KAFKA_RECORD}', sent with kafkaEgressType)`);
  }
  const record = wire.decodeKafkaProducerRecord(bytes);
  if (record.topic === "") throw new TypeError(`the egress '${m.typename}' got a Kafka egress record without topic`);
  const value = Buffer.from(record.value.buffer, record.value.byteOffset, record.value.byteLength);
  return record.key === undefined ? { topic: record.topic, value } : { topic: record.topic, key: record.key, value };
}

/**
 * Turn what functions sent to a Kafka egress into messages for
 * `KafkaSink`: each {@link kafkaEgressType} record becomes its topic, key
 * (a string; absent when the record has none) and value (a `Buffer`), as
 * StateFun's Kafka egress writes them. It is a `map` (substep `to_record`).
 *
 * Every value sent to the egress must be a Kafka egress record (from
 * {@link kafkaEgressType}, or a remote function's `kafka_egress_message`):
 * another type fails the step with a `StepError` whose cause, a
 * `TypeError`, names the egress and the typename it got.
 *
 * @param stepId - The step's name.
 * @param egress - An egress of {@link applyFunctions}: `result.egress(typename)`.
 * @returns The records, for `KafkaSink` (which writes each to its own topic).
 * @category Functions
 * @example
 * ```ts
 * const result = applyFunctions("fns", ingress, [greeter]);
 * kafkaEgress("to_kafka", result.egress("greeter.io/kafka"))
 *   .output("kafka_out", new KafkaSink({ brokers: ["127.0.0.1:9092"] }));
 * // { topic: "greetings", key: "ann", value: "Hello, Ann!" } sent by greeter ann
 * // is written to topic "greetings" with key "ann" and value "Hello, Ann!"
 * ```
 */
export function kafkaEgress(stepId: string, egress: Stream<EgressMessage>): Stream<KafkaSinkMessage<string, Buffer>> {
  return defineOperator(
    "kafkaEgress",
    stepId,
    { up: egress },
    ({ up }) => ({ down: corePerItem<EgressMessage, KafkaSinkMessage<string, Buffer>>("to_record", up, "map", toSinkMessage, "kafkaEgress") }),
    builtin,
  ).down;
}

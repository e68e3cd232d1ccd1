/**
 * StateFun's Kafka ingress and egress, on Sluice's Kafka connector: the
 * Kafka egress record type, and the two steps between Kafka records and
 * functions' messages.
 *
 * This file imports `sluice/connectors/kafka` for types only, so
 * `sluice/functions` never loads kafkajs.
 *
 * @module
 */
import { BuildError, describeType } from "../errors.js";
import type { Stream } from "../dataflow/stream.js";
import { defineOperator, builtin } from "../dataflow/internal/operator.js";
import { corePerItem } from "../dataflow/internal/core.js";
import type { KafkaSinkMessage, KafkaSourceMessage } from "../connectors/kafka/messages.js";
import { Message, type EgressMessage, type TypedValue } from "./message.js";
import { checkTypename, type Type } from "./types.js";
import * as wire from "./internal/wire.js";

/** The typename of StateFun's Kafka egress records (a protobuf `Any` type URL: one `/`). */
const KAFKA_RECORD = "type.googleapis.com/io.statefun.sdk.egress.KafkaProducerRecord";

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

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

/**
 * Where {@link kafkaIngress} sends the records of one topic, as a topic of
 * StateFun's `io.statefun.kafka.v1/ingress` in `module.yaml`.
 *
 * @category Functions
 * @example
 * ```ts
 * const route: KafkaIngressRoute = { valueType: "io.statefun.types/string", targets: ["greeter.fns/person"] };
 * ```
 */
export interface KafkaIngressRoute {
  /** The typename of the record values (`namespace/name`): the messages' values are the record's bytes with this typename. */
  readonly valueType: string;
  /** The functions (typenames) that get a message for each record: one message per target, id = the record's key. */
  readonly targets: readonly string[];
}

/**
 * The routes of {@link kafkaIngress}: topic to {@link KafkaIngressRoute}.
 *
 * @category Functions
 * @example
 * ```ts
 * const routes: KafkaIngressRoutes = {
 *   names: { valueType: "io.statefun.types/string", targets: ["greeter.fns/person"] },
 * };
 * ```
 */
export type KafkaIngressRoutes = { readonly [topic: string]: KafkaIngressRoute };

/**
 * A router of {@link kafkaIngress} written as a function: the messages for
 * one record (none, one or several).
 *
 * @typeParam K - The records' key type.
 * @typeParam V - The records' value type.
 * @category Functions
 * @example
 * ```ts
 * const router: KafkaIngressRouter<Buffer | null, Buffer | null> = (r) =>
 *   r.value === null ? undefined : message("greeter.fns/person", r.value.toString(), "", types.string);
 * ```
 */
export type KafkaIngressRouter<K, V> = (record: KafkaSourceMessage<K, V>) => Message | readonly Message[] | undefined;

const NONE: readonly Message[] = Object.freeze([]);

/** Where a record is, for errors. */
const at = (r: KafkaSourceMessage<unknown, unknown>): string => `topic '${r.topic}' partition ${r.partition} offset ${r.offset}`;

/** The routes table as a per-record function; BuildError for a malformed table. */
function tableRouter(stepId: string, table: KafkaIngressRoutes): (r: KafkaSourceMessage<unknown, unknown>) => readonly Message[] {
  const routes = new Map<string, { readonly valueType: string; readonly targets: readonly string[] }>();
  for (const [topic, route] of Object.entries(table)) {
    const where = `the route of topic '${topic}' in \`kafkaIngress\` step '${stepId}'`;
    if (typeof route !== "object" || route === null) throw new BuildError(`${where} must be { valueType, targets }; got ${describeType(route)}`);
    const valueType = checkTypename(route.valueType, `the valueType of ${where}`);
    if (!Array.isArray(route.targets) || route.targets.length === 0) {
      throw new BuildError(`the targets of ${where} must be a non-empty array of function typenames; got ${describeType(route.targets)}`);
    }
    const targets = route.targets.map((t: unknown) => checkTypename(t, `a target of ${where}`));
    routes.set(topic, { valueType, targets });
  }
  if (routes.size === 0) throw new BuildError(`\`kafkaIngress\` step '${stepId}' has a routes table without topics`);
  const known = [...routes.keys()].map((t) => `'${t}'`).join(", ");
  return (r) => {
    if (typeof r !== "object" || r === null || (r as { error?: unknown }).error !== undefined) {
      throw new TypeError(`\`kafkaIngress\` takes KafkaSourceMessages (a KafkaSource's items, or the \`oks\` of kop.input); got ${describeType(r)}`);
    }
    const route = routes.get(r.topic);
    if (route === undefined) throw new Error(`the record at ${at(r)} has no route: the routes table has topics ${known}`);
    const { key, value } = r;
    if (key === null || key === undefined) {
      throw new Error(`the record at ${at(r)} has no key, and a route takes the key as the target id (route with a function to handle it)`);
    }
    if (typeof key !== "string" && !(key instanceof Uint8Array)) {
      throw new TypeError(`the key of the record at ${at(r)} must be bytes or a string; got ${describeType(key)}`);
    }
    if (value === null || value === undefined) {
      throw new Error(`the record at ${at(r)} has no value (a tombstone); route with a function to handle it`);
    }
    if (!(value instanceof Uint8Array)) throw new TypeError(`the value of the record at ${at(r)} must be bytes; got ${describeType(value)}`);
    const id = typeof key === "string" ? key : fromUtf8.decode(key);
    const typedValue: TypedValue = { typename: route.valueType, value };
    const out = new Array<Message>(route.targets.length);
    for (let i = 0; i < out.length; i++) out[i] = new Message({ typename: route.targets[i], id }, typedValue);
    return out;
  };
}

/** A router function whose results are checked: Messages only. */
function checkedRouter(stepId: string, router: KafkaIngressRouter<unknown, unknown>): (r: KafkaSourceMessage<unknown, unknown>) => readonly Message[] {
  const wrong = (got: unknown): TypeError =>
    new TypeError(`the \`router\` of \`kafkaIngress\` step '${stepId}' must return a Message, an array of Messages or undefined; got ${got}`);
  return (r) => {
    const out = router(r);
    if (out === undefined) return NONE;
    if (out instanceof Message) return [out];
    if (!Array.isArray(out)) throw wrong(describeType(out));
    for (let i = 0; i < out.length; i++) {
      if (!(out[i] instanceof Message)) throw wrong(`${describeType(out[i])} at index ${i}`);
    }
    return out as readonly Message[];
  };
}

/**
 * Messages to functions from Kafka records, for {@link applyFunctions}, as
 * StateFun's Kafka ingress (`io.statefun.kafka.v1/ingress` in
 * `module.yaml`) routes topics to functions: a `flatMap` (substep `route`)
 * with a routes table `{ [topic]: { valueType, targets } }`.
 *
 * Each record of `topic` becomes one message per target function, whose id
 * is the record's key (UTF-8; invalid bytes become U+FFFD, as in Java) and
 * whose value is the record's value bytes with the typename `valueType`. A
 * record without key, without value (a tombstone), or of a topic the table
 * lacks fails the step with a `StepError` naming its topic, partition and
 * offset (StateFun's ingress fails on them too): route such records with a
 * function instead (the other overload).
 *
 * Give it the messages of a `KafkaSource` (which fails the run on a
 * consumer error), or the `oks` of `kop.input` (whose `errs` you handle
 * apart), possibly with keys already deserialized to strings.
 *
 * @param stepId - The step's name.
 * @param records - Kafka records: `Buffer` (or other `Uint8Array`) values;
 *   keys as bytes or strings.
 * @param router - The routes table.
 * @returns The messages, in record order.
 * @throws {@link sluice!BuildError | BuildError} for a malformed table: a
 *   typename that is not `namespace/name`, a topic without targets, no topics.
 * @category Functions
 * @example
 * ```ts
 * const records = flow.input("kafka_in", new KafkaSource({ brokers: ["127.0.0.1:9092"], topics: ["names"] }));
 * const ingress = kafkaIngress("route", records, {
 *   names: { valueType: "io.statefun.types/string", targets: ["greeter.fns/person"] },
 * });
 * applyFunctions("fns", ingress, [person, greeter]);
 * // a record of topic "names" with key "ann" and value StringWrapper("Ann")
 * // reaches greeter.fns/person "ann" as a message holding types.string "Ann"
 * ```
 */
export function kafkaIngress(
  stepId: string,
  records: Stream<KafkaSourceMessage<Uint8Array | string | null, Uint8Array | null>>,
  router: KafkaIngressRoutes,
): Stream<Message>;
/**
 * Messages to functions from Kafka records, for {@link applyFunctions},
 * with a router function: a `flatMap` (substep `route`) calling `router`
 * for each record, for what a routes table cannot do (records without key,
 * keys that are not ids, values to convert, messages chosen by content).
 *
 * @typeParam K - The records' key type.
 * @typeParam V - The records' value type.
 * @param stepId - The step's name.
 * @param records - Kafka records, as read or deserialized.
 * @param router - A record's messages: a {@link Message}, an array of
 *   them, or `undefined` for none. A result of another kind fails the step
 *   with a `StepError` (cause `TypeError`); so does a throw (cause: what it threw).
 * @returns The messages, in record order.
 * @category Functions
 * @example
 * ```ts
 * const records = flow.input("kafka_in", new KafkaSource({ brokers: ["127.0.0.1:9092"], topics: ["names"] }));
 * const ingress = kafkaIngress("route", records, (r) =>
 *   r.key === null || r.value === null ? undefined : message("greeter.fns/person", r.key.toString(), r.value.toString(), types.string),
 * );
 * // a record with key "ann" and value "Ann" (UTF-8) reaches greeter.fns/person "ann"
 * // as types.string "Ann"; records without key or value are dropped
 * ```
 */
export function kafkaIngress<K, V>(stepId: string, records: Stream<KafkaSourceMessage<K, V>>, router: KafkaIngressRouter<K, V>): Stream<Message>;
export function kafkaIngress(
  stepId: string,
  records: Stream<KafkaSourceMessage<unknown, unknown>>,
  router: KafkaIngressRoutes | KafkaIngressRouter<unknown, unknown>,
): Stream<Message> {
  return defineOperator(
    "kafkaIngress",
    stepId,
    { up: records },
    ({ up }, step) => {
      let route: (r: KafkaSourceMessage<unknown, unknown>) => readonly Message[];
      if (typeof router === "function") route = checkedRouter(step.stepId, router);
      else if (typeof router === "object" && router !== null && !Array.isArray(router)) route = tableRouter(step.stepId, router);
      else {
        throw new BuildError(
          `\`kafkaIngress\` step '${step.stepId}' needs a router: a table { [topic]: { valueType, targets } } or a function; got ${describeType(router)}`,
        );
      }
      return { down: corePerItem<KafkaSourceMessage<unknown, unknown>, Message>("route", up, "flatMap", route, "router") };
    },
    builtin,
  ).down;
}

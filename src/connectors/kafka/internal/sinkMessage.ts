/**
 * Checking a `KafkaSinkMessage` and turning it into what kafkajs sends.
 *
 * @module
 * @internal
 */
import type { Message } from "kafkajs";
import { describeType } from "../../../errors.js";
import type { KafkaSinkMessage } from "../messages.js";
import type { OutgoingMessage } from "./messageCodec.js";

/** @internal What a `KafkaSink` writes. */
export type SinkItem = KafkaSinkMessage<Buffer | string | null, Buffer | string | null>;

function isPayload(x: unknown): boolean {
  return x === null || typeof x === "string" || Buffer.isBuffer(x);
}

/**
 * @internal The kafkajs message for item `i` of a batch, and its topic (its
 * own, else `fallback`).
 *
 * @throws TypeError saying what is wrong with the item, naming `who`.
 */
export function toKafkaMessage(m: SinkItem, i: number, who: string, fallback: string | undefined): OutgoingMessage {
  if (typeof m !== "object" || m === null) {
    throw new TypeError(`${who}: item ${i} of the batch is not a KafkaSinkMessage; got ${describeType(m)}`);
  }
  const topic = m.topic ?? fallback;
  if (typeof topic !== "string" || topic.length === 0) {
    throw new TypeError(`${who}: message ${i} of the batch has no topic and the sink has no default \`topic\`; set \`topic\` on the message or in the KafkaSink options`);
  }
  if (!isPayload(m.value)) {
    throw new TypeError(`${who}: message ${i} of the batch has a value of type ${describeType(m.value)}; expected a Buffer, a string or null (serialize it first)`);
  }
  if (m.key !== undefined && !isPayload(m.key)) {
    throw new TypeError(`${who}: message ${i} of the batch has a key of type ${describeType(m.key)}; expected a Buffer, a string or null (serialize it first)`);
  }
  const message: Message = { key: m.key, value: m.value };
  if (m.partition !== undefined) message.partition = m.partition;
  if (m.headers !== undefined) message.headers = m.headers;
  if (m.timestamp !== undefined) message.timestamp = String(m.timestamp.getTime());
  return { topic, message };
}

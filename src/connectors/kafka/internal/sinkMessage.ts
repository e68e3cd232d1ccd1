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

/**
 * @internal Largest request (by the size of keys, values and headers) sent
 * at once. A request holds one record batch per partition, and brokers
 * reject a record batch above `message.max.bytes` (1 MiB by default), so a
 * bigger batch of the flow is sent in several requests, one after the other.
 */
export const MAX_REQUEST_BYTES = 512 * 1024;
/**
 * @internal Most messages per request. kafkajs 2.2.4 groups a request's
 * messages by partition in time quadratic in their number (an array copied
 * per message), so large requests cost more per message than small ones.
 */
export const MAX_REQUEST_MESSAGES = 1000;
/** Per-record overhead counted on top of keys, values and headers. */
const RECORD_OVERHEAD = 24;

function payloadSize(x: Buffer | string | null | undefined): number {
  if (x == null) return 0;
  return typeof x === "string" ? x.length * 3 : x.length;
}

/** @internal About how many bytes `m` takes in a request (strings counted at 3 bytes a character). */
export function recordSize(m: Message): number {
  let n = RECORD_OVERHEAD + payloadSize(m.key) + payloadSize(m.value);
  const headers = m.headers;
  if (headers !== undefined) {
    for (const name in headers) {
      const v = headers[name];
      n += name.length * 3 + 8;
      if (Array.isArray(v)) for (const x of v) n += payloadSize(x) + 8;
      else n += payloadSize(v);
    }
  }
  return n;
}

/** @internal One request: messages by topic, in order. */
export interface SinkRequest {
  readonly byTopic: Map<string, Message[]>;
  readonly count: number;
}

/**
 * @internal `messages[from, to)` as requests of at most
 * {@link MAX_REQUEST_BYTES} and {@link MAX_REQUEST_MESSAGES}, in order.
 */
export function toRequests(messages: readonly OutgoingMessage[], from = 0, to = messages.length): SinkRequest[] {
  const requests: SinkRequest[] = [];
  let byTopic = new Map<string, Message[]>();
  let bytes = 0;
  let count = 0;
  for (let i = from; i < to; i++) {
    const { topic, message } = messages[i];
    const size = recordSize(message);
    if (count > 0 && (bytes + size > MAX_REQUEST_BYTES || count === MAX_REQUEST_MESSAGES)) {
      requests.push({ byTopic, count });
      byTopic = new Map();
      bytes = 0;
      count = 0;
    }
    let list = byTopic.get(topic);
    if (list === undefined) byTopic.set(topic, (list = []));
    list.push(message);
    bytes += size;
    count++;
  }
  if (count > 0) requests.push({ byTopic, count });
  return requests;
}

/** @internal A request as kafkajs's `topicMessages`. */
export function topicMessagesOf(request: SinkRequest): { topic: string; messages: Message[] }[] {
  const out: { topic: string; messages: Message[] }[] = [];
  for (const [topic, messages] of request.byTopic) out.push({ topic, messages });
  return out;
}

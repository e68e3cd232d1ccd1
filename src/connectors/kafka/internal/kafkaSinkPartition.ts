/**
 * One worker's producer behind a `KafkaSink`.
 *
 * @module
 * @internal
 */
import { Partitioners, type CompressionTypes, type Message, type Producer, type ProducerConfig, type TopicMessages } from "kafkajs";
import { StatelessSinkPartition } from "../../../outputs/sink.js";
import { ConnectorError } from "../../../errors.js";
import type { KafkaSinkMessage } from "../messages.js";
import { toKafkaMessage, type SinkItem } from "./sinkMessage.js";
import { connectorError } from "./client.js";
import type { Kafka } from "kafkajs";

export type { SinkItem };

/** @internal Everything a {@link KafkaSinkPartition} needs (options already checked). */
export interface KafkaSinkConfig {
  readonly who: string;
  readonly client: Kafka;
  readonly topic: string | undefined;
  readonly producerConfig: ProducerConfig | undefined;
  readonly acks: number;
  readonly timeout: number | undefined;
  readonly compression: CompressionTypes | undefined;
}

/**
 * Largest request (by the size of keys, values and headers) sent at once. A
 * request holds one record batch per partition, and brokers reject a record
 * batch above `message.max.bytes` (1 MiB by default), so a bigger batch of
 * the flow is sent in several requests, one after the other.
 */
const MAX_REQUEST_BYTES = 512 * 1024;
/**
 * A producer not written to for this long is disconnected (it reconnects at
 * the next write). A run that is stopped does not close its sinks, and a
 * connected kafkajs producer keeps the process alive.
 */
const IDLE_DISCONNECT_MS = 10_000;
/** Per-record overhead counted on top of keys, values and headers. */
const RECORD_OVERHEAD = 24;

function payloadSize(x: Buffer | string | null | undefined): number {
  if (x == null) return 0;
  return typeof x === "string" ? x.length * 3 : x.length;
}

function headersSize(headers: KafkaSinkMessage<unknown, unknown>["headers"]): number {
  if (headers === undefined) return 0;
  let n = 0;
  for (const name in headers) {
    const v = headers[name];
    n += name.length * 3 + 8;
    if (Array.isArray(v)) for (const x of v) n += payloadSize(x) + 8;
    else n += payloadSize(v);
  }
  return n;
}

/**
 * @internal Sends each batch with one `sendBatch` (grouped by topic, order
 * kept) and waits for the brokers' acknowledgement before the flow goes on.
 * Disconnects the producer after {@link IDLE_DISCONNECT_MS} without writes.
 */
export class KafkaSinkPartition extends StatelessSinkPartition<SinkItem> {
  /** The connected (or connecting) producer; a new one after an idle disconnection. */
  private producer: Promise<Producer> | undefined;
  /** The last disconnection, awaited before connecting again. */
  private disconnection: Promise<void> = Promise.resolve();
  private lastWrite = Date.now();
  private writing = false;
  private finished = false;
  private readonly idleCheck: NodeJS.Timeout;

  private constructor(private readonly config: KafkaSinkConfig) {
    super();
    this.idleCheck = setInterval(() => {
      if (!this.writing && this.producer !== undefined && Date.now() - this.lastWrite > IDLE_DISCONNECT_MS) this.disconnect();
    }, 1000);
    this.idleCheck.unref();
  }

  /** @internal Connect a producer. */
  static async open(config: KafkaSinkConfig): Promise<KafkaSinkPartition> {
    const part = new KafkaSinkPartition(config);
    try {
      await part.connected();
    } catch (err) {
      await part.finish();
      throw err;
    }
    return part;
  }

  private connected(): Promise<Producer> {
    this.producer ??= this.disconnection.then(async () => {
      const producer = this.config.client.producer({ createPartitioner: Partitioners.DefaultPartitioner, ...this.config.producerConfig });
      try {
        await producer.connect();
      } catch (err) {
        this.producer = undefined;
        void producer.disconnect().catch(() => {});
        throw connectorError(`${this.config.who} could not connect its producer`, err);
      }
      return producer;
    });
    return this.producer;
  }

  private disconnect(): void {
    const producer = this.producer;
    if (producer === undefined) return;
    this.producer = undefined;
    this.disconnection = producer.then((p) => p.disconnect()).catch(() => {});
  }

  private finish(): Promise<void> {
    this.finished = true;
    clearInterval(this.idleCheck);
    this.disconnect();
    return this.disconnection;
  }

  /**
   * Send the batch with one `sendBatch` (or, above 512 KiB, one per 512 KiB,
   * in order); resolves once the brokers acknowledged everything.
   */
  async writeBatch(items: SinkItem[]): Promise<void> {
    if (items.length === 0) return;
    if (this.finished) throw new ConnectorError(`${this.config.who} is closed`);
    this.writing = true;
    try {
      await this.write(await this.connected(), items);
    } finally {
      this.writing = false;
      this.lastWrite = Date.now();
    }
  }

  private async write(producer: Producer, items: SinkItem[]): Promise<void> {
    let byTopic = new Map<string, Message[]>();
    let bytes = 0;
    let count = 0;
    const fallback = this.config.topic;
    for (let i = 0; i < items.length; i++) {
      const m = items[i];
      const { topic, message: msg } = toKafkaMessage(m, i, this.config.who, fallback);
      const size = RECORD_OVERHEAD + payloadSize(m.key) + payloadSize(m.value) + headersSize(m.headers);
      if (count > 0 && bytes + size > MAX_REQUEST_BYTES) {
        await this.send(producer, byTopic, count);
        byTopic = new Map();
        bytes = 0;
        count = 0;
      }
      let list = byTopic.get(topic);
      if (list === undefined) byTopic.set(topic, (list = []));
      list.push(msg);
      bytes += size;
      count++;
    }
    await this.send(producer, byTopic, count);
  }

  private async send(producer: Producer, byTopic: Map<string, Message[]>, count: number): Promise<void> {
    const topicMessages: TopicMessages[] = [];
    for (const [topic, messages] of byTopic) topicMessages.push({ topic, messages });
    try {
      await producer.sendBatch({
        topicMessages,
        acks: this.config.acks,
        timeout: this.config.timeout,
        compression: this.config.compression,
      });
    } catch (err) {
      throw connectorError(`${this.config.who} could not send ${count} message${count === 1 ? "" : "s"} to ${[...byTopic.keys()].join(", ")}`, err);
    }
  }

  /** Disconnect the producer (everything was acknowledged by then). */
  override async close(): Promise<void> {
    await this.finish();
  }

  /** Disconnect the producer without waiting. */
  override abort(_error: unknown): void {
    void this.finish();
  }
}

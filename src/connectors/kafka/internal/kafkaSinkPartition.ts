/**
 * One worker's producer behind a `KafkaSink`.
 *
 * @module
 * @internal
 */
import { Partitioners, type CompressionTypes, type Message, type ProducerConfig, type TopicMessages } from "kafkajs";
import { StatelessSinkPartition } from "../../../outputs/sink.js";
import { ConnectorError } from "../../../errors.js";
import { withRetries } from "../../../internal/backoff.js";
import type { KafkaSinkMessage } from "../messages.js";
import { toKafkaMessage, type SinkItem } from "./sinkMessage.js";
import { connectorError } from "./client.js";
import { listPartitions } from "./listPartitions.js";
import type { KafkaClient, KafkaProducer } from "./kafkaClient.js";

export type { SinkItem };

/** @internal Everything a {@link KafkaSinkPartition} needs (options already checked). */
export interface KafkaSinkConfig {
  readonly who: string;
  readonly client: KafkaClient;
  /** The bootstrap brokers, to name in messages. */
  readonly brokers: readonly string[];
  /** How long to retry sends and connections while the brokers cannot be reached, in ms. */
  readonly outageTimeout: number;
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

/** One request: messages by topic, in order. */
interface Request {
  readonly byTopic: Map<string, Message[]>;
  readonly count: number;
}

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
 *
 * A connection or send that fails for a reason that may pass (the brokers
 * are down or restarting) is tried again with a fresh producer, for up to
 * `outageTimeout` (`withRetries`): the flow waits meanwhile. A request whose
 * acknowledgement was lost is sent again (at least once).
 */
export class KafkaSinkPartition extends StatelessSinkPartition<SinkItem> {
  /** The connected (or connecting) producer; a new one after an idle disconnection. */
  private producer: Promise<KafkaProducer> | undefined;
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

  /**
   * @internal Check that the default topic exists (so that a typo fails the
   * run before any item is read), then connect a producer.
   */
  static async open(config: KafkaSinkConfig): Promise<KafkaSinkPartition> {
    const part = new KafkaSinkPartition(config);
    try {
      if (config.topic !== undefined) await listPartitions(config.who, config.client, config.brokers, [config.topic], config.outageTimeout);
      await part.retrying(`${config.who} connecting its producer`, () => part.connected());
    } catch (err) {
      await part.finish();
      throw err;
    }
    return part;
  }

  private connected(): Promise<KafkaProducer> {
    this.producer ??= this.disconnection.then(async () => {
      const { client, producerConfig, acks, timeout, compression } = this.config;
      const producer = client.producer({ createPartitioner: Partitioners.DefaultPartitioner, ...producerConfig }, { acks, timeout, compression });
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

  /** `fn`, retried with a fresh producer each time while the brokers cannot be reached, for up to `outageTimeout`. */
  private retrying<T>(what: string, fn: () => Promise<T>): Promise<T> {
    const attempt = (): Promise<T> => {
      // The run was stopped or failed meanwhile (`abort`): stop retrying.
      if (this.finished) throw new ConnectorError(`${this.config.who} is closed`);
      return fn();
    };
    return withRetries(attempt, {
      what,
      target: this.config.brokers.join(","),
      giveUpAfterMs: this.config.outageTimeout,
      beforeRetry: () => this.disconnect(),
    });
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
    const requests = this.requests(items);
    this.writing = true;
    try {
      for (const request of requests) await this.send(request);
    } finally {
      this.writing = false;
      this.lastWrite = Date.now();
    }
  }

  /** The batch checked and split into requests of at most {@link MAX_REQUEST_BYTES}. */
  private requests(items: SinkItem[]): Request[] {
    const requests: Request[] = [];
    let byTopic = new Map<string, Message[]>();
    let bytes = 0;
    let count = 0;
    const fallback = this.config.topic;
    for (let i = 0; i < items.length; i++) {
      const m = items[i];
      const { topic, message: msg } = toKafkaMessage(m, i, this.config.who, fallback);
      const size = RECORD_OVERHEAD + payloadSize(m.key) + payloadSize(m.value) + headersSize(m.headers);
      if (count > 0 && bytes + size > MAX_REQUEST_BYTES) {
        requests.push({ byTopic, count });
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
    requests.push({ byTopic, count });
    return requests;
  }

  /** One `sendBatch`, retried through an outage. */
  private send({ byTopic, count }: Request): Promise<void> {
    const topicMessages: TopicMessages[] = [];
    for (const [topic, messages] of byTopic) topicMessages.push({ topic, messages });
    const messages = `${count} message${count === 1 ? "" : "s"}`;
    const topics = [...byTopic.keys()];
    return this.retrying(`${this.config.who} sending ${messages} to ${topics.map((t) => `'${t}'`).join(", ")}`, async () => {
      const producer = await this.connected();
      try {
        await producer.sendBatch(topicMessages);
      } catch (err) {
        throw connectorError(`${this.config.who} could not send ${messages} to ${topics.join(", ")}`, err);
      }
    });
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

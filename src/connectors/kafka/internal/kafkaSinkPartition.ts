/**
 * One worker's producer behind a `KafkaSink`.
 *
 * @module
 * @internal
 */
import { Partitioners, type CompressionTypes, type ProducerConfig } from "kafkajs";
import { StatelessSinkPartition } from "../../../outputs/sink.js";
import { ConnectorError } from "../../../errors.js";
import { withRetries } from "../../../internal/backoff.js";
import { toKafkaMessage, toRequests, topicMessagesOf, type SinkItem, type SinkRequest } from "./sinkMessage.js";
import type { OutgoingMessage } from "./messageCodec.js";
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
 * A producer not written to for this long is disconnected (it reconnects at
 * the next write). A run that is stopped does not close its sinks, and a
 * connected kafkajs producer keeps the process alive.
 */
const IDLE_DISCONNECT_MS = 10_000;
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
   * Send the batch with one `sendBatch` (or, above 512 KiB or 1,000
   * messages, several, in order); resolves once the brokers acknowledged
   * everything.
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

  /** The batch checked and split into requests (see {@link toRequests}). */
  private requests(items: SinkItem[]): SinkRequest[] {
    const fallback = this.config.topic;
    const messages = new Array<OutgoingMessage>(items.length);
    for (let i = 0; i < items.length; i++) messages[i] = toKafkaMessage(items[i], i, this.config.who, fallback);
    return toRequests(messages);
  }


  /** One `sendBatch`, retried through an outage. */
  private send(request: SinkRequest): Promise<void> {
    const { byTopic, count } = request;
    const topicMessages = topicMessagesOf(request);
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

/**
 * The Kafka operations Sluice's connectors use, as one small interface
 * ({@link KafkaClient}), and its default implementation on kafkajs
 * ({@link kafkajsClient}). The second implementation, on Confluent's
 * librdkafka client, is `confluentClient.ts`.
 *
 * The kafkajs implementation passes calls straight through: the admin
 * client is kafkajs's own, and a producer adds the sink's `acks`,
 * `timeout` and `compression` to each `sendBatch` (one object per request,
 * never per message). The source's consumer is kafkajs's `Consumer` with
 * the pinned partition assigner; another client provides the part of it
 * `GroupReader` uses ({@link SourceConsumer}).
 *
 * @module
 * @internal
 */
import type { CompressionTypes, Consumer, ConsumerConfig, Kafka, ProducerConfig, TopicMessages } from "kafkajs";
import { pinnedAssigner, type Assignment } from "./pinnedAssigner.js";

/**
 * @internal The consumer calls a `GroupReader` makes: kafkajs's, with
 * `GROUP_JOIN` after each assignment, `CRASH`, and `END_BATCH_PROCESS` for
 * batches without messages (control records).
 */
export type SourceConsumer = Pick<Consumer, "connect" | "disconnect" | "subscribe" | "run" | "seek" | "pause" | "resume" | "on" | "events">;

/** @internal A topic's partitions' offsets, as kafkajs's `fetchOffsets` returns them. */
export interface KafkaGroupOffsets {
  readonly topic: string;
  readonly partitions: readonly { readonly partition: number; readonly offset: string }[];
}

/** @internal The admin operations the connectors use (kafkajs's `Admin` has them all). */
export interface KafkaAdmin {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  listTopics(): Promise<string[]>;
  fetchTopicMetadata(request: { topics: string[] }): Promise<{ topics: { name: string; partitions: { partitionId: number }[] }[] }>;
  fetchTopicOffsets(topic: string): Promise<{ partition: number; low: string; high: string }[]>;
  /** The committed offsets of a consumer group on the partitions of `topics` (`-1` for none). */
  fetchOffsets(request: { groupId: string; topics: string[] }): Promise<KafkaGroupOffsets[]>;
}

/** @internal What a sink's producer sends with every request (fixed per producer). */
export interface KafkaSendSettings {
  readonly acks: number;
  readonly timeout: number | undefined;
  readonly compression: CompressionTypes | undefined;
}

/** @internal A transaction: messages and a consumer group's offsets, committed or aborted together. */
export interface KafkaTransaction {
  sendBatch(topicMessages: TopicMessages[]): Promise<unknown>;
  /** Record `topics`' offsets as those of the consumer group `groupId`, in the transaction. */
  sendOffsets(request: { groupId: string; topics: KafkaGroupOffsets[] }): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

/** @internal A producer. `transaction` only when made with a `transactionalId`. */
export interface KafkaProducer {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  sendBatch(topicMessages: TopicMessages[]): Promise<unknown>;
  transaction(): Promise<KafkaTransaction>;
}

/**
 * A Kafka client for Sluice's Kafka connectors: what `KafkaSource` and
 * `KafkaSink` take as `client`, besides a kafkajs `Kafka` instance. Made by
 * {@link confluentClient} (Confluent's librdkafka-based client); its
 * members are internal to Sluice and may change.
 *
 * @category Connectors
 */
export interface KafkaClient {
  /** The library behind it, for messages: `"kafkajs"` or `"@confluentinc/kafka-javascript"`. */
  readonly library: string;
  /** @internal */
  admin(): KafkaAdmin;
  /**
   * @internal A producer with kafkajs's producer options (`transactionalId`,
   * `idempotent`, `maxInFlightRequests`, `transactionTimeout`, `retry`…).
   */
  producer(config: ProducerConfig, send: KafkaSendSettings): KafkaProducer;
  /**
   * @internal A consumer in the group `config.groupId` that is assigned
   * exactly the partitions `wanted()` returns at each rebalance.
   */
  consumer(config: ConsumerConfig, wanted: () => Assignment): SourceConsumer;
}

/** @internal Whether `x` is a {@link KafkaClient} (rather than a kafkajs `Kafka`). */
export function isKafkaClient(x: unknown): x is KafkaClient {
  return typeof x === "object" && x !== null && typeof (x as { library?: unknown }).library === "string" && typeof (x as { producer?: unknown }).producer === "function";
}

/**
 * @internal What a client does with a failed call's error before it is
 * thrown: an error that needs words of its own (a login refused, a
 * certificate not trusted) becomes a `ConnectorError` saying so; others
 * are kept.
 */
export type ExplainFailure = (err: unknown) => unknown;

/** `promise`, its rejection passed through `explain`. */
function explained<T>(promise: Promise<T>, explain: ExplainFailure | undefined): Promise<T> {
  return explain === undefined ? promise : promise.catch((err: unknown) => Promise.reject(explain(err) as Error));
}

/**
 * @internal The default {@link KafkaClient}: kafkajs's own objects, passed
 * through; the rejections of the calls that connect (and of those that may
 * reconnect) go through `explain`.
 */
export function kafkajsClient(kafka: Kafka, explain?: ExplainFailure): KafkaClient {
  const x = <T>(promise: Promise<T>): Promise<T> => explained(promise, explain);
  return {
    library: "kafkajs",
    admin(): KafkaAdmin {
      const a = kafka.admin();
      return {
        connect: () => x(a.connect()),
        disconnect: () => a.disconnect(),
        listTopics: () => x(a.listTopics()),
        fetchTopicMetadata: (request) => x(a.fetchTopicMetadata(request)),
        fetchTopicOffsets: (topic) => x(a.fetchTopicOffsets(topic)),
        fetchOffsets: (request) => x(a.fetchOffsets(request)),
      };
    },
    consumer(config, wanted) {
      const c = kafka.consumer({ ...config, partitionAssigners: [pinnedAssigner(wanted)] });
      if (explain === undefined) return c;
      // kafkajs's consumer is an object of closures: the same one, with connecting and running explained.
      return { ...c, connect: () => x(c.connect()), run: (...args: Parameters<Consumer["run"]>) => x(c.run(...args)) };
    },
    producer(config, { acks, timeout, compression }) {
      const p = kafka.producer(config);
      return {
        connect: () => x(p.connect()),
        disconnect: () => p.disconnect(),
        sendBatch: (topicMessages) => x(p.sendBatch({ topicMessages, acks, timeout, compression })),
        async transaction() {
          const t = await x(p.transaction());
          return {
            sendBatch: (topicMessages) => x(t.sendBatch({ topicMessages, acks, timeout, compression })),
            sendOffsets: ({ groupId, topics }) =>
              x(t.sendOffsets({ consumerGroupId: groupId, topics: topics.map((y) => ({ topic: y.topic, partitions: [...y.partitions] })) })),
            commit: () => x(t.commit()),
            abort: () => x(t.abort()),
          };
        },
      };
    },
  };
}

/**
 * `confluentClient`: Sluice's Kafka connectors on Confluent's client
 * (`@confluentinc/kafka-javascript`, on librdkafka), through its
 * kafkajs-compatible API. Sluice does not depend on that package: the user
 * installs it and passes the `KafkaJS.Kafka` instance they made.
 *
 * @module
 */
import { CompressionTypes, Partitioners, type ProducerConfig, type TopicMessages } from "kafkajs";
import { BuildError, ConnectorError } from "../../errors.js";
import { confluentSourceConsumer } from "./internal/confluentConsumer.js";
import type { KafkaAdmin, KafkaClient, KafkaGroupOffsets, KafkaProducer, KafkaSendSettings, KafkaTransaction } from "./internal/kafkaClient.js";

/** What Sluice calls on a Confluent producer (`KafkaJS.Producer`; a transaction is the producer itself). */
interface ConfluentProducer {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  sendBatch(batch: { topicMessages: TopicMessages[] }): Promise<unknown>;
  transaction(): Promise<ConfluentProducer>;
  sendOffsets(request: { consumer: unknown; topics: KafkaGroupOffsets[] }): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

/** What Sluice calls on a Confluent consumer: only connecting it, for its group's metadata in `sendOffsets`. */
interface ConfluentConsumer {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
}

/** What Sluice calls on a Confluent admin client (`KafkaJS.Admin`). */
interface ConfluentAdmin {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  listTopics(): Promise<string[]>;
  fetchTopicMetadata(request: { topics: string[] }): Promise<{ name: string; partitions: { partitionId: number }[] }[]>;
  fetchTopicOffsets(topic: string): Promise<{ partition: number; low: string; high: string }[]>;
  fetchOffsets(request: { groupId: string; topics: string[]; requireStableOffsets?: boolean }): Promise<KafkaGroupOffsets[]>;
}

/**
 * A Confluent `KafkaJS.Kafka` instance, as far as Sluice uses it:
 * `new (require("@confluentinc/kafka-javascript").KafkaJS.Kafka)({ kafkaJS: { brokers } })`.
 *
 * @category Connectors
 */
export interface ConfluentKafka {
  /** A producer (`KafkaJS.Producer`) with the given kafkajs-style options. */
  producer(config: { kafkaJS: Record<string, unknown> }): unknown;
  /** A consumer (`KafkaJS.Consumer`) with the given kafkajs-style options. */
  consumer(config: { kafkaJS: Record<string, unknown> }): unknown;
  /** An admin client (`KafkaJS.Admin`). */
  admin(): unknown;
}

/** kafkajs's compression codes as librdkafka's names. */
const COMPRESSION: Record<number, string> = {
  [CompressionTypes.None]: "none",
  [CompressionTypes.GZIP]: "gzip",
  [CompressionTypes.Snappy]: "snappy",
  [CompressionTypes.LZ4]: "lz4",
  [CompressionTypes.ZSTD]: "zstd",
};

/**
 * The kafkaJS block of a Confluent producer: the kafkajs producer options
 * it knows, and the sink's per-request settings (which Confluent's client
 * takes per producer, not per send).
 */
function producerBlock(config: ProducerConfig, send: KafkaSendSettings): Record<string, unknown> {
  const { createPartitioner, ...rest } = config;
  // Sluice's default partitioner (murmur2, like the Java client) is librdkafka's `murmur2_random`, which the
  // Confluent client sets; a partitioner of the user's cannot be honoured.
  if (createPartitioner !== undefined && createPartitioner !== Partitioners.DefaultPartitioner) {
    throw new BuildError("KafkaSink: `producerConfig.createPartitioner` is not supported with `confluentClient` (librdkafka partitions by murmur2 of the key)");
  }
  const block: Record<string, unknown> = { ...rest, acks: send.acks };
  if (send.timeout !== undefined) block.timeout = send.timeout;
  if (send.compression !== undefined) block.compression = COMPRESSION[send.compression] ?? "none";
  return block;
}

/**
 * Use Confluent's Kafka client (`@confluentinc/kafka-javascript`, built on
 * librdkafka) as a `KafkaSource`'s or `KafkaSink`'s client instead of kafkajs: pass the
 * `KafkaJS.Kafka` instance you made, wrapped, as `client`. Sluice does not
 * depend on the package; install it yourself
 * (`npm install @confluentinc/kafka-javascript`; where its prebuilt binary
 * cannot be downloaded, with `CKJS_LINKING=dynamic` to build it against the
 * system's OpenSSL and zlib). Its client options (brokers, `ssl`, `sasl`,
 * logging) are the ones you give it; `clientConfig` is not used.
 *
 * What works through it: the at-least-once and the transactional
 * `KafkaSink` (producer `sendBatch`, transactions with `sendOffsets`
 * through a consumer of the group `<id>-<partition>`), the admin calls,
 * and `KafkaSource` (the same pinned partitions, offsets and batches as
 * with kafkajs; librdkafka heartbeats in the background).
 * Differences from kafkajs: `producerConfig.createPartitioner` cannot be
 * set (librdkafka partitions keyed messages by murmur2, as kafkajs's
 * default partitioner does), a transaction's commit or abort times out
 * after 5 s (the sink then retries it with a new producer), and a running
 * source's consumer reconnects by itself (librdkafka) instead of failing
 * after `outageTimeout`. Only with one worker (`-w 1`): the package is a
 * native addon that a process can load in one thread only, and workers are
 * threads ("Module did not self-register" in the second).
 *
 * @param kafka - A `KafkaJS.Kafka` of `@confluentinc/kafka-javascript`.
 * @returns A client for `KafkaSourceOptions.client` and `KafkaSinkOptions.client`.
 * @throws {@link sluice!BuildError | BuildError} if `kafka` is not one.
 * @category Connectors
 * @example
 * ```ts
 * import { KafkaJS } from "@confluentinc/kafka-javascript";
 * const kafka = new KafkaJS.Kafka({ kafkaJS: { brokers: ["127.0.0.1:9092"], logLevel: KafkaJS.logLevel.WARN } });
 * const sink = new KafkaSink({ brokers: ["127.0.0.1:9092"], topic: "totals", transactional: { id: "totals" }, client: confluentClient(kafka) });
 * ```
 */
export function confluentClient(kafka: ConfluentKafka): KafkaClient {
  const k = kafka as Partial<Record<"producer" | "consumer" | "admin", unknown>> | null;
  if (k === null || typeof k !== "object" || typeof k.producer !== "function" || typeof k.consumer !== "function" || typeof k.admin !== "function") {
    throw new BuildError("confluentClient needs a `KafkaJS.Kafka` instance of @confluentinc/kafka-javascript");
  }
  return {
    library: "@confluentinc/kafka-javascript",
    admin: () => confluentAdmin(kafka.admin() as ConfluentAdmin),
    producer: (config, send) => confluentProducer(kafka, config, send),
    consumer: (config, wanted) => confluentSourceConsumer((c) => kafka.consumer(c as { kafkaJS: Record<string, unknown> }), config, wanted),
  };
}

function confluentAdmin(admin: ConfluentAdmin): KafkaAdmin {
  return {
    connect: () => admin.connect(),
    disconnect: () => admin.disconnect(),
    listTopics: () => admin.listTopics(),
    fetchTopicMetadata: async (request) => ({ topics: await admin.fetchTopicMetadata(request) }),
    fetchTopicOffsets: (topic) => admin.fetchTopicOffsets(topic),
    // Stable offsets: not those of a transaction still being committed.
    fetchOffsets: ({ groupId, topics }) => admin.fetchOffsets({ groupId, topics, requireStableOffsets: true }),
  };
}

function confluentProducer(kafka: ConfluentKafka, config: ProducerConfig, send: KafkaSendSettings): KafkaProducer {
  const p = kafka.producer({ kafkaJS: producerBlock(config, send) }) as ConfluentProducer;
  /**
   * The consumers whose group metadata `sendOffsets` needs (Confluent's
   * client takes a consumer, not a group id): one per group, connected,
   * never subscribed, disconnected with the producer.
   */
  const groups = new Map<string, Promise<ConfluentConsumer>>();
  const groupConsumer = (groupId: string): Promise<ConfluentConsumer> => {
    let c = groups.get(groupId);
    if (c === undefined) {
      const consumer = kafka.consumer({ kafkaJS: { groupId, autoCommit: false } }) as ConfluentConsumer;
      c = consumer.connect().then(() => consumer);
      c.catch(() => groups.delete(groupId));
      groups.set(groupId, c);
    }
    return c;
  };
  const transaction: KafkaTransaction = {
    sendBatch: (topicMessages) => p.sendBatch({ topicMessages }),
    sendOffsets: async ({ groupId, topics }) => p.sendOffsets({ consumer: await groupConsumer(groupId), topics }),
    commit: () => p.commit(),
    abort: () => p.abort(),
  };
  return {
    connect: () => p.connect(),
    async disconnect() {
      const consumers = [...groups.values()];
      groups.clear();
      await Promise.all(consumers.map((c) => c.then((x) => x.disconnect()).catch(() => {})));
      await p.disconnect();
    },
    sendBatch: (topicMessages) => p.sendBatch({ topicMessages }),
    async transaction() {
      if (config.transactionalId === undefined) throw new ConnectorError("a transaction needs a producer with a `transactionalId`");
      await p.transaction();
      return transaction;
    },
  };
}

/**
 * `KafkaSink`: write messages to Kafka with kafkajs.
 *
 * @module
 */
import type { CompressionTypes, Kafka, ProducerConfig } from "kafkajs";
import { DynamicSink, partitionedView, type PartitionedView, type StatelessSinkPartition } from "../../outputs/sink.js";
import { BuildError } from "../../errors.js";
import type { KafkaSinkMessage } from "./messages.js";
import { checkBrokers, checkClient, checkObject, checkOutageTimeout, makeClient } from "./internal/client.js";
import type { KafkaClientConfig } from "./config.js";
import type { KafkaClient } from "./internal/kafkaClient.js";
import { KafkaSinkPartition, type KafkaSinkConfig } from "./internal/kafkaSinkPartition.js";
import { KafkaTxnSink } from "./internal/kafkaTxnSink.js";

/**
 * The exactly-once mode of {@link KafkaSink}.
 *
 * @category Connectors
 */
export interface KafkaTransactionalOptions {
  /**
   * Names the sink's transactions: partition `p` of the sink's `topic` is
   * written by the transactional producer `<id>-<p>`, whose progress is the
   * offset of the consumer group `<id>-<p>`. Keep it the same across
   * restarts (a restarted run then fences the previous one) and unique per
   * flow and sink.
   */
  readonly id: string;
}

/**
 * Options of {@link KafkaSink}.
 *
 * @category Connectors
 * @example
 * ```ts
 * const options: KafkaSinkOptions = {
 *   brokers: ["127.0.0.1:9092"],
 *   topic: "click-totals",
 *   producerConfig: { idempotent: true, maxInFlightRequests: 1 },
 * };
 * new KafkaSink(options);
 * ```
 */
export interface KafkaSinkOptions {
  /** Bootstrap brokers, `"host:port"`. */
  brokers: string[];
  /** Topic of messages that name none. Without it, every message must have a `topic`. */
  topic?: string;
  /** Acknowledgements to wait for: `-1` all in-sync replicas (default), `1` the leader, `0` none. */
  acks?: -1 | 0 | 1;
  /** How long the brokers may take to acknowledge, in ms (kafkajs default 30 000). */
  timeout?: number;
  /** Compression codec of the record batches (kafkajs `CompressionTypes`; default none). */
  compression?: CompressionTypes;
  /**
   * A client to use instead of making a kafkajs one from `brokers` and
   * `clientConfig`: a kafkajs `Kafka` instance, or Confluent's client
   * wrapped by {@link confluentClient}.
   */
  client?: Kafka | KafkaClient;
  /** kafkajs client options for the client made from `brokers`; see `KafkaSourceOptions.clientConfig`. */
  clientConfig?: KafkaClientConfig;
  /** kafkajs producer options (`idempotent`, `retry`, `createPartitioner`, …). */
  producerConfig?: ProducerConfig;
  /**
   * Exactly-once output: each epoch's output of each partition of `topic`
   * is one Kafka transaction, committed once the epoch's snapshot is stored
   * (needs `topic`; `acks` is `-1`). Consumers must read with
   * `read_committed`. See {@link KafkaTransactionalOptions}.
   */
  transactional?: KafkaTransactionalOptions;
  /**
   * How long the brokers may be unreachable before the run fails, in ms
   * (default `60_000`). Until then a send or connection that fails for a
   * reason that may pass is retried with backoff while the flow waits; see
   * "Broker outages" in the Kafka guide.
   */
  outageTimeout?: number;
}

/**
 * Writes {@link KafkaSinkMessage}s to Kafka, with one kafkajs producer per
 * worker.
 *
 * - Each batch is sent with one `sendBatch` (grouped by topic, in order) and
 *   the flow waits for the brokers to acknowledge it before reading more
 *   input: never a request or an `await` per message.
 * - Each message may name its `topic` (else the sink's `topic` is used; a
 *   message with neither fails the run with a `StepError` saying so),
 *   `partition` (else kafkajs's default partitioner hashes the key, like the
 *   Java client), `key`, `headers` and `timestamp`. Keys and values must be
 *   `Buffer`s, strings or `null`: serialize them first (`kop.serializeKey`,
 *   `kop.serializeValue`).
 * - **Broker outages**: a send or connection that fails because the
 *   brokers cannot be reached (or another failure kafkajs calls retriable)
 *   is retried with a fresh producer, with backoff, for up to
 *   `outageTimeout` (60 s by default); the flow waits meanwhile, and
 *   Sluice's log says so when it starts and when the brokers are back. Then
 *   the run fails with a `ConnectorError` naming the step and the brokers.
 *   Any other failed send fails the run at once with a `ConnectorError`
 *   (its `retriable` and `cause` from kafkajs).
 * - `build` checks that the default `topic` exists, so a missing one fails
 *   the run before any item is read.
 *
 * **Delivery is at least once** by default. A dynamic sink has no snapshot:
 * after a crash, the run resumes from the last committed epoch and sends
 * again what the epochs after it had already sent. Consumers of the topic
 * should be idempotent (for example upsert by key). Use `producerConfig: {
 * idempotent: true }` to also rule out duplicates from the producer's own
 * retries.
 *
 * **With `transactional: { id }`, delivery is exactly once** to
 * `read_committed` consumers: each epoch's output of each partition of
 * `topic` is one Kafka transaction (producer `<id>-<partition>`, whichever
 * worker writes it), committed once the epoch's snapshot is stored; the
 * snapshot keeps the epoch's output until then, so a crash between the two
 * commits neither loses nor repeats it. See the Kafka guide.
 *
 * @category Connectors
 * @example
 * ```ts
 * const flow = new Dataflow("to_kafka");
 * flow
 *   .input("in", new TestingSource(["a", "b"]))
 *   .map("msg", (s): KafkaSinkMessage<string, string> => ({ key: s, value: s.toUpperCase() }))
 *   .output("out", new KafkaSink({ brokers: ["127.0.0.1:9092"], topic: "letters" }));
 * await runMain(flow);
 * // topic "letters" receives a -> A and b -> B
 * ```
 *
 * @example Exactly once, with a recovery directory:
 * ```ts
 * const sink = new KafkaSink({ brokers: ["127.0.0.1:9092"], topic: "totals", transactional: { id: "totals-flow" } });
 * ```
 */
export class KafkaSink extends DynamicSink<KafkaSinkMessage<Buffer | string | null, Buffer | string | null>> {
  /** The bootstrap brokers, as given. */
  readonly brokers: readonly string[];
  /** The default topic, if any. */
  readonly topic: string | undefined;
  private readonly settings: Omit<KafkaSinkConfig, "who" | "client">;
  private readonly injected: KafkaClient | undefined;
  /** A private field (not a property): `util.inspect` and `JSON.stringify` of the connector never show `sasl.password`. */
  readonly #clientConfig: KafkaClientConfig | undefined;
  private client: KafkaClient | undefined;
  /** The transactional mode's fixed-partitioned sink and its routing, if `transactional`. */
  private readonly view: PartitionedView<KafkaSinkMessage<Buffer | string | null, Buffer | string | null>> | undefined;

  /**
   * @param options - Brokers, default topic and kafkajs options; see {@link KafkaSinkOptions}.
   * @throws {@link sluice!BuildError | BuildError} if an option is invalid.
   */
  constructor(options: KafkaSinkOptions) {
    super();
    const fail = (problem: string): never => {
      throw new BuildError(`KafkaSink ${problem}`);
    };
    if (typeof options !== "object" || options === null) fail("needs an options object with brokers");
    this.brokers = checkBrokers("KafkaSink", options.brokers);
    const { topic, acks = -1, timeout, compression } = options;
    if (topic !== undefined && (typeof topic !== "string" || topic.length === 0)) fail("`topic` must be a non-empty string");
    if (acks !== -1 && acks !== 0 && acks !== 1) fail(`\`acks\` must be -1, 0 or 1; got ${String(acks)}`);
    if (timeout !== undefined && !(typeof timeout === "number" && Number.isFinite(timeout) && timeout > 0)) {
      fail(`\`timeout\` must be a number of ms > 0; got ${String(timeout)}`);
    }
    const outageTimeout = checkOutageTimeout("KafkaSink", options.outageTimeout);
    this.injected = checkClient("KafkaSink", options.client, this.brokers);
    checkObject("KafkaSink", "clientConfig", options.clientConfig);
    checkObject("KafkaSink", "producerConfig", options.producerConfig);
    const { transactional } = options;
    this.topic = topic;
    this.#clientConfig = options.clientConfig;
    this.settings = { topic, acks, timeout, compression, producerConfig: options.producerConfig, brokers: this.brokers, outageTimeout };
    if (transactional !== undefined) {
      if (typeof transactional !== "object" || transactional === null || typeof transactional.id !== "string" || transactional.id.trim() === "") {
        fail("`transactional` must be `{ id }` with a non-empty string id");
      }
      if (topic === undefined) fail("with `transactional` needs a `topic`: its partitions are the sink's partitions, and record the transactions' progress");
      if (options.acks !== undefined && acks !== -1) fail(`with \`transactional\` writes with acks -1; got acks ${String(acks)}`);
      const txn = new KafkaTxnSink({
        id: transactional.id,
        topic: topic!,
        brokers: this.brokers,
        client: () => (this.client ??= makeClient([...this.brokers], this.#clientConfig, this.injected)),
        producerConfig: options.producerConfig,
        timeout,
        compression,
        outageTimeout,
      });
      this.view = { sink: txn, key: (m) => txn.route(m) };
    }
  }

  /** @internal The client options it was made with (a cluster's own clients default to them). */
  clientOptions(): KafkaClientConfig | undefined {
    return this.#clientConfig;
  }

  /** @internal In transactional mode, the sink is written as a fixed-partitioned one (a partition per partition of `topic`). */
  [partitionedView](): PartitionedView<KafkaSinkMessage<Buffer | string | null, Buffer | string | null>> | undefined {
    return this.view;
  }

  /**
   * Check that the default `topic` exists and connect this worker's
   * producer, retrying for up to `outageTimeout` while the brokers cannot
   * be reached.
   *
   * @param stepId - Full id of the output step, for messages.
   * @param _workerIndex - This worker's index (unused: every worker has its own producer).
   * @param _workerCount - How many workers run the flow (unused).
   * @returns A partition with a connected producer.
   * @throws {@link sluice!ConnectorError | ConnectorError} (as a rejection)
   *   if the default topic does not exist ("KafkaSink in step '…': topic 'x'
   *   does not exist …"), or the producer cannot connect.
   */
  build(
    stepId: string,
    _workerIndex: number,
    _workerCount: number,
  ): Promise<StatelessSinkPartition<KafkaSinkMessage<Buffer | string | null, Buffer | string | null>>> {
    this.client ??= makeClient([...this.brokers], this.#clientConfig, this.injected);
    return KafkaSinkPartition.open({ ...this.settings, who: `KafkaSink in step '${stepId}'`, client: this.client });
  }
}

/**
 * `KafkaSource`: read Kafka topics, one Sluice partition per topic-partition,
 * resumable by offset.
 *
 * @module
 */
import type { Kafka } from "kafkajs";
import type { KafkaClient } from "./internal/kafkaClient.js";
import { FixedPartitionedSource, type StatefulSourcePartition } from "../../inputs/source.js";
import { BuildError, ConnectorError, describeType } from "../../errors.js";
import { withRetries } from "../../internal/backoff.js";
import type { KafkaSourceError, KafkaSourceMessage } from "./messages.js";
import { checkBrokers, checkClient, checkObject, checkOutageTimeout, connectorError, makeClient } from "./internal/client.js";
import type { KafkaClientConfig, KafkaConsumerConfig } from "./config.js";
import { listPartitions } from "./internal/listPartitions.js";
import { partName, parsePartName } from "./internal/partName.js";
import { PartitionFeed } from "./internal/partitionFeed.js";
import { GroupReader } from "./internal/groupReader.js";
import { KafkaSourcePartition } from "./internal/kafkaSourcePartition.js";

/**
 * Options of {@link KafkaSource}.
 *
 * @typeParam R - The type of `raiseOnErrors`: `false` adds error items to the source's items.
 * @category Connectors
 * @example
 * ```ts
 * const options: KafkaSourceOptions = {
 *   brokers: ["127.0.0.1:9092"],
 *   topics: ["orders", "refunds"],
 *   tail: false, // stop at the end offsets seen at start
 *   startingOffset: "earliest",
 *   clientConfig: { clientId: "orders-report" },
 * };
 * new KafkaSource(options);
 * ```
 */
export interface KafkaSourceOptions<R extends boolean = true> {
  /** Bootstrap brokers, `"host:port"`. With `client`, they only name the cluster in error messages. */
  brokers: string[];
  /** Topics to read; each must exist. */
  topics: string[];
  /**
   * `true` (default): keep reading new messages forever. `false`: each
   * partition ends at the end offset (high watermark) it had when the
   * partition was built, so the input ends once everything there at start
   * was read.
   */
  tail?: boolean;
  /**
   * Where a partition without a snapshot starts: `"earliest"` (default, the
   * oldest retained message), `"latest"` (only messages produced after the
   * start), or an offset. A partition resumed from a snapshot always starts
   * at its snapshot.
   */
  startingOffset?: "earliest" | "latest" | number;
  /** Most messages per batch. Default `1000`. */
  batchSize?: number;
  /**
   * Messages buffered per partition before fetching that partition pauses
   * (it resumes when half of them were read). Default `10 * batchSize`.
   */
  bufferSize?: number;
  /**
   * `true` (default): a failure of the consumer fails the run (a
   * `StepError` whose cause is a `ConnectorError`). `false`: it becomes a
   * {@link KafkaSourceError} item on every partition and a new consumer is
   * started after a backoff. Either way, a broker outage shorter than
   * `outageTimeout` is not a failure.
   */
  raiseOnErrors?: R;
  /**
   * How long the brokers may be unreachable before the source fails, in ms
   * (default `60_000`). Until then, listing partitions, looking up offsets
   * and (re)starting the consumer are retried with backoff, and reading
   * continues where it stopped once the brokers are back; see "Broker
   * outages" in the Kafka guide.
   */
  outageTimeout?: number;
  /**
   * A client to use instead of making a kafkajs one from `brokers` and
   * `clientConfig`: a kafkajs `Kafka` instance, or Confluent's client
   * wrapped by {@link confluentClient}.
   */
  client?: Kafka | KafkaClient;
  /**
   * kafkajs client options (`ssl`, `sasl`, `clientId`, timeouts, `retry`,
   * `logLevel`, …) for the client made from `brokers`. Sluice's defaults:
   * `clientId: "sluice"`, `logLevel: WARN`, kafkajs's lines written to
   * Sluice's log, short kafkajs retries (see {@link KafkaClientConfig}).
   */
  clientConfig?: KafkaClientConfig;
  /**
   * kafkajs consumer options (`maxBytesPerPartition`, `maxWaitTimeInMs`
   * (Sluice's default `500`), `sessionTimeout`, `readUncommitted`, …).
   * `groupId` and `partitionAssigners` are Sluice's own, and so is
   * `retry.restartOnFailure` (the source restarts a failed consumer itself,
   * for up to `outageTimeout`).
   */
  consumerConfig?: KafkaConsumerConfig;
}

/**
 * What a `KafkaSource` emits: messages, plus error items when its
 * `raiseOnErrors` option is `false` (`R` is the option's type).
 *
 * @typeParam R - The type of `raiseOnErrors`.
 * @category Connectors
 * @example
 * ```ts
 * type Strict = KafkaSourceItem<true>; // KafkaSourceMessage<Buffer | null, Buffer | null>
 * type Lenient = KafkaSourceItem<false>; // … | KafkaSourceError<Buffer | null, Buffer | null>
 * ```
 */
export type KafkaSourceItem<R extends boolean> =
  | KafkaSourceMessage<Buffer | null, Buffer | null>
  | (R extends false ? KafkaSourceError<Buffer | null, Buffer | null> : never);

/** End offsets and start offsets of one topic's partitions. */
type Watermarks = Map<number, { low: number; high: number }>;

/**
 * Reads Kafka topics with kafkajs: one partition per topic-partition,
 * resumable from the offset in the snapshot, with no consumer-group offset
 * commits (offsets live only in Sluice's snapshots).
 *
 * - **Partitions** are named `"<topic>-<partition>"` and listed with an
 *   admin client when the run starts; a topic that does not exist fails the
 *   run with a `ConnectorError` naming it. Each worker reads the partitions
 *   it owns with one consumer, in a consumer group of its own whose
 *   assigner pins exactly those partitions (kafkajs has no manual
 *   assignment).
 * - **Offsets**: a partition starts at its snapshot, else at
 *   `startingOffset`; its snapshot is the offset of the next message to
 *   emit, so a resumed run continues right after the last message of the
 *   last committed epoch.
 * - **Non-blocking, bounded**: fetched batches are buffered per partition
 *   and `nextBatch` returns what is buffered (up to `batchSize`). A
 *   partition whose buffer holds `bufferSize` messages is paused until half
 *   of them were read, so memory stays within `bufferSize` plus one fetch
 *   (`maxBytesPerPartition`, 1 MiB by default) per partition.
 * - **End**: with `tail: false` each partition ends at the end offset it had
 *   when the run started; with `tail: true` the input never ends.
 * - **Broker outages**: while the brokers cannot be reached, listing
 *   partitions, looking up offsets and (re)starting the consumer are retried
 *   with backoff for up to `outageTimeout` (60 s by default), saying so in
 *   Sluice's log; reading then goes on from the next offset of each
 *   partition, nothing skipped or repeated. After `outageTimeout`, the run
 *   fails (or, with `raiseOnErrors: false`, an error item is emitted) with
 *   a `ConnectorError` naming the step and the brokers.
 *
 * Items are {@link KafkaSourceMessage}s with `Buffer` keys and values
 * (`null` when absent); with `raiseOnErrors: false` also
 * {@link KafkaSourceError}s (use `kop.input` to get the two split).
 *
 * `listParts()` asks the brokers with an admin client of the source's
 * kafkajs client (`client`, or the one made from `brokers` and
 * `clientConfig`), retrying for up to `outageTimeout`; the result is kept
 * for the life of the source.
 *
 * @typeParam R - The type of the `raiseOnErrors` option (inferred).
 * @category Connectors
 * @example
 * ```ts
 * const flow = new Dataflow("orders");
 * flow
 *   .input("in", new KafkaSource({ brokers: ["127.0.0.1:9092"], topics: ["orders"], tail: false }))
 *   .map("show", (m) => `${m.topic}-${m.partition}@${m.offset}: ${m.value?.toString()}`)
 *   .output("out", new StdOutSink());
 * await runMain(flow);
 * // orders-0@0: {"id":1}
 * // orders-0@1: {"id":2}
 * ```
 */
export class KafkaSource<R extends boolean = true> extends FixedPartitionedSource<KafkaSourceItem<R>, number> {
  /** The bootstrap brokers, as given. */
  readonly brokers: readonly string[];
  /** The topics read, as given. */
  readonly topics: readonly string[];
  /** Whether the source reads new messages forever. */
  readonly tail: boolean;
  private readonly startingOffset: "earliest" | "latest" | number;
  private readonly batchSize: number;
  private readonly bufferSize: number;
  private readonly raiseOnErrors: boolean;
  private readonly outageTimeout: number;
  private readonly injected: KafkaClient | undefined;
  /** A private field (not a property): `util.inspect` and `JSON.stringify` of the connector never show `sasl.password`. */
  readonly #clientConfig: KafkaClientConfig | undefined;
  private readonly consumerConfig: KafkaConsumerConfig | undefined;
  private client: KafkaClient | undefined;
  private parts: string[] | undefined;
  /** The options it was made with (a private field: `util.inspect` never shows them), for {@link KafkaSource.copy}. */
  readonly #options: KafkaSourceOptions<R>;
  /** The reader the partitions being built join, and the watermarks looked up for them. */
  private round: { reader: GroupReader; watermarks: Map<string, Promise<Watermarks>> } | undefined;

  /**
   * @param options - Brokers, topics, offsets, batching and kafkajs options;
   *   see {@link KafkaSourceOptions}.
   * @throws {@link sluice!BuildError | BuildError} if an option is invalid.
   */
  constructor(options: KafkaSourceOptions<R>) {
    super();
    const fail = (problem: string): never => {
      throw new BuildError(`KafkaSource ${problem}`);
    };
    if (typeof options !== "object" || options === null) fail("needs an options object with brokers and topics");
    this.brokers = checkBrokers("KafkaSource", options.brokers);
    const { topics, tail = true, startingOffset = "earliest", batchSize = 1000, raiseOnErrors = true } = options;
    if (!Array.isArray(topics) || topics.length === 0 || topics.some((t) => typeof t !== "string" || t.length === 0)) {
      fail("needs `topics`: a non-empty array of topic names");
    }
    if (new Set(topics).size !== topics.length) fail(`lists a topic twice in \`topics\`: ${JSON.stringify(topics)}`);
    if (typeof tail !== "boolean") fail(`\`tail\` must be a boolean; got ${describeType(tail)}`);
    if (
      startingOffset !== "earliest" &&
      startingOffset !== "latest" &&
      !(typeof startingOffset === "number" && Number.isSafeInteger(startingOffset) && startingOffset >= 0)
    ) {
      fail(`\`startingOffset\` must be "earliest", "latest" or an offset (an integer >= 0); got ${JSON.stringify(startingOffset)}`);
    }
    const checkCount = (name: string, n: unknown): number => {
      if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 1) fail(`\`${name}\` must be a positive integer; got ${String(n)}`);
      return n as number;
    };
    this.batchSize = checkCount("batchSize", batchSize);
    this.bufferSize = checkCount("bufferSize", options.bufferSize ?? 10 * this.batchSize);
    if (typeof raiseOnErrors !== "boolean") fail(`\`raiseOnErrors\` must be a boolean; got ${describeType(raiseOnErrors)}`);
    this.outageTimeout = checkOutageTimeout("KafkaSource", options.outageTimeout);
    this.injected = checkClient("KafkaSource", options.client, this.brokers);
    checkObject("KafkaSource", "clientConfig", options.clientConfig);
    checkObject("KafkaSource", "consumerConfig", options.consumerConfig);
    for (const own of ["groupId", "partitionAssigners"] as const) {
      if (options.consumerConfig !== undefined && own in options.consumerConfig) {
        fail(`sets its own \`${own}\` (each reader has a consumer group of its own); remove it from \`consumerConfig\``);
      }
    }
    this.topics = [...topics];
    this.tail = tail;
    this.startingOffset = startingOffset;
    this.raiseOnErrors = raiseOnErrors;
    this.#clientConfig = options.clientConfig;
    this.consumerConfig = options.consumerConfig;
    this.#options = { ...options };
  }

  /**
   * @internal A source with the same options and nothing shared: each task
   * of a cluster reads its partitions with a consumer of its own.
   */
  copy(): KafkaSource<R> {
    return new KafkaSource(this.#options);
  }

  /** @internal The client options it was made with (cluster tasks make their clients alike). */
  clientOptions(): KafkaClientConfig | undefined {
    return this.#clientConfig;
  }

  /**
   * Every topic-partition, as `"<topic>-<partition>"`, listed with an admin
   * client the first time (connect, `listTopics`, `fetchTopicMetadata`,
   * disconnect; each attempt at most 30 s, retried while the brokers cannot
   * be reached for up to `outageTimeout`) and remembered. The executor
   * awaits it when a run starts, before building any partition.
   *
   * @returns The partition names, by topic then partition number.
   * @throws {@link sluice!ConnectorError | ConnectorError} (as a rejection)
   *   naming the topics that do not exist, why the brokers could not be
   *   asked, or that they could not be reached for `outageTimeout`.
   */
  async listParts(): Promise<string[]> {
    this.client ??= makeClient([...this.brokers], this.#clientConfig, this.injected);
    // Metadata comes back in the broker's order: list topics in the order given, partitions by number.
    this.parts ??= (await listPartitions("KafkaSource", this.client, this.brokers, this.topics, this.outageTimeout))
      .sort((x, y) => this.topics.indexOf(x.topic) - this.topics.indexOf(y.topic))
      .flatMap(({ topic, partitions }) => partitions.map((p) => partName(topic, p)));
    return [...this.parts];
  }

  /**
   * Build the partition `forPart`, starting at `resumeState` or at
   * `startingOffset`. Looks up the partition's offsets with an admin
   * client when it needs them (`"earliest"`/`"latest"`, or `tail: false`).
   * Fetching starts at the first `nextBatch` of any partition of the source.
   * The offsets are looked up again while the brokers cannot be reached,
   * for up to `outageTimeout`.
   *
   * @param stepId - Full id of the input step, for messages and the consumer group's name.
   * @param forPart - A name from `listParts()`: `"<topic>-<partition>"`.
   * @param resumeState - The offset of the next message to read, from a snapshot.
   * @returns The partition.
   * @throws {@link sluice!ConnectorError | ConnectorError} if the offsets cannot be looked up.
   * @throws TypeError for a partition name or resume state that is not one of this source's.
   */
  async buildPart(stepId: string, forPart: string, resumeState: number | undefined): Promise<StatefulSourcePartition<KafkaSourceItem<R>, number>> {
    const tp = parsePartName(forPart);
    if (tp === undefined || !this.topics.includes(tp.topic)) {
      throw new TypeError(`KafkaSource has no partition '${forPart}' (names are "<topic>-<partition>" of topics ${this.topics.join(", ")})`);
    }
    if (resumeState !== undefined && !(typeof resumeState === "number" && Number.isSafeInteger(resumeState) && resumeState >= 0)) {
      throw new TypeError(`KafkaSource resume state of partition '${forPart}' must be an offset; got ${describeType(resumeState)}`);
    }
    const who = `KafkaSource in step '${stepId}'`;
    this.client ??= makeClient([...this.brokers], this.#clientConfig, this.injected);
    if (this.round === undefined || this.round.reader.sealed) {
      this.round = {
        reader: new GroupReader({
          who,
          stepId,
          client: this.client,
          brokers: this.brokers,
          consumerConfig: this.consumerConfig,
          raiseOnErrors: this.raiseOnErrors,
          outageTimeout: this.outageTimeout,
        }),
        watermarks: new Map(),
      };
    }
    const round = this.round;
    let start = resumeState ?? (typeof this.startingOffset === "number" ? this.startingOffset : undefined);
    let end = Infinity;
    if (start === undefined || !this.tail) {
      const marks = (await this.watermarks(who, tp.topic, round.watermarks)).get(tp.partition);
      if (marks === undefined) throw new ConnectorError(`${who}: partition ${tp.partition} of topic '${tp.topic}' does not exist`);
      start ??= this.startingOffset === "latest" ? marks.high : marks.low;
      if (!this.tail) end = marks.high;
    }
    const feed = new PartitionFeed(tp.topic, tp.partition, start, end, this.bufferSize);
    round.reader.add(feed);
    return new KafkaSourcePartition(round.reader, feed, this.batchSize) as unknown as StatefulSourcePartition<KafkaSourceItem<R>, number>;
  }

  /** Low and high watermarks of `topic`'s partitions, looked up once per round (retried through an outage). */
  private watermarks(who: string, topic: string, cache: Map<string, Promise<Watermarks>>): Promise<Watermarks> {
    let marks = cache.get(topic);
    if (marks === undefined) {
      const client = this.client!;
      marks = withRetries(
        async () => {
          const admin = client.admin();
          try {
            await admin.connect();
            const offsets = await admin.fetchTopicOffsets(topic);
            return new Map(offsets.map((o) => [o.partition, { low: Number(o.low), high: Number(o.high) }]));
          } catch (err) {
            throw connectorError(`${who} could not look up the offsets of topic '${topic}'`, err);
          } finally {
            await admin.disconnect().catch(() => {});
          }
        },
        { what: `${who} looking up the offsets of topic '${topic}'`, target: this.brokers.join(","), giveUpAfterMs: this.outageTimeout },
      );
      marks.catch(() => cache.delete(topic));
      cache.set(topic, marks);
    }
    return marks;
  }
}

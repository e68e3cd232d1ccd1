/**
 * The consumer behind the partitions of a `KafkaSource` that one worker
 * reads: one kafkajs consumer, in a consumer group of its own, pinned to
 * those partitions, fetching into their buffers in the background.
 *
 * @module
 * @internal
 */
import { randomUUID } from "node:crypto";
import type { Batch } from "kafkajs";
import type { KafkaClient, SourceConsumer as Consumer } from "./kafkaClient.js";
import type { KafkaConsumerConfig } from "../config.js";
import type { ConnectorError } from "../../../errors.js";
import { withRetries } from "../../../internal/backoff.js";
import { connectorError } from "./client.js";
import type { Assignment } from "./pinnedAssigner.js";
import { partName } from "./partName.js";
import type { PartitionFeed } from "./partitionFeed.js";

/** @internal What a {@link GroupReader} needs. */
export interface GroupReaderConfig {
  /** "KafkaSource in step '…'", for messages. */
  readonly who: string;
  readonly stepId: string;
  readonly client: KafkaClient;
  /** The bootstrap brokers, to name in messages. */
  readonly brokers: readonly string[];
  readonly consumerConfig: KafkaConsumerConfig | undefined;
  readonly raiseOnErrors: boolean;
  /** How long to keep (re)starting the consumer while the brokers cannot be reached, in ms. */
  readonly outageTimeout: number;
}

/** Ends the (re)start loop of a consumer that was stopped meanwhile (the run ended or went dormant). */
const SUPERSEDED = new Error("superseded");

/**
 * @internal Without polls for this long (the run ended without closing its
 * sources: it failed or was stopped), the consumer is disconnected so it
 * does not keep the process alive. A later poll connects a new one.
 */
const DORMANT_AFTER_MS = 10_000;
/** While waiting for room in a buffer, heartbeat this often. */
const HEARTBEAT_WHILE_FULL_MS = 3000;
const FIRST_RESTART_DELAY_MS = 500;
const MAX_RESTART_DELAY_MS = 30_000;

/**
 * @internal Owns the consumer of a set of {@link PartitionFeed}s.
 *
 * - Started by the first poll of any of its partitions, so that every
 *   partition the worker owns was added before (`sealed` from then on).
 * - Offsets live in the feeds only: every (re)join seeks each partition to
 *   its `fetched` offset, and batches fetched again are deduplicated by
 *   offset. Nothing is committed to the group.
 * - Backpressure: `eachBatch` buffers the batch, and if the partition's
 *   buffer is then full, waits (heartbeating) until it is half empty. kafkajs
 *   fetches again only once every batch of a fetch was handled, so a full
 *   buffer stops fetching without the latency of pause/resume (kafkajs
 *   sleeps `maxWaitTimeInMs` while every partition is paused). Batches of
 *   the same fetch are handled concurrently, so one full partition does not
 *   hold back the others' batches.
 * - Partitions that reached their end offset or were released are paused.
 * - Starting a consumer means connecting it and joining its group. A start
 *   or a running consumer that fails for a reason that may pass (the
 *   brokers cannot be reached) is retried with a new consumer, through
 *   `withRetries`, for up to `outageTimeout` (kafkajs's own restarts are
 *   turned off: `retry.restartOnFailure`).
 * - When that gives up, or the consumer fails otherwise, the failure is
 *   thrown by every later poll (`raiseOnErrors`), or queued as an error item
 *   on every partition and a new consumer is started after a backoff.
 */
export class GroupReader {
  private readonly feeds = new Map<string, PartitionFeed>();
  private consumer: Consumer | undefined;
  /** Whether a consumer runs or is being (re)started. */
  private active = false;
  /** Bumped by every (re)start loop and every stop: a loop whose number is not the current one is over. */
  private generation = 0;
  /** Rejects the wait of the consumer being started for its group (the consumer was stopped). */
  private abandon: ((err: unknown) => void) | undefined;
  private failure: ConnectorError | undefined;
  private closed = false;
  private restartAt = 0;
  private restartDelay = 0;
  private lastPoll = Date.now();
  private watchdog: NodeJS.Timeout | undefined;
  private stopping: Promise<void> = Promise.resolve();
  /** Whether the consumer was started: no partition can be added any more. */
  sealed = false;

  constructor(private readonly config: GroupReaderConfig) {}

  /** Add a partition to read (before the first poll). */
  add(feed: PartitionFeed): void {
    this.feeds.set(partName(feed.topic, feed.partition), feed);
  }

  /**
   * Called by each `nextBatch`: start (or restart) the consumer when needed.
   *
   * @throws ConnectorError the consumer's failure, with `raiseOnErrors`.
   */
  poll(): void {
    this.lastPoll = Date.now();
    if (this.failure !== undefined) throw this.failure;
    if (!this.active && !this.closed && this.lastPoll >= this.restartAt && this.wanted().length > 0) this.start();
  }

  /** Release `feed` (its partition ended); the last release stops the consumer. */
  async release(feed: PartitionFeed): Promise<void> {
    feed.closed = true;
    feed.clear();
    if (this.feeds.get(partName(feed.topic, feed.partition)) === feed) this.setPaused(feed, true);
    for (const f of this.feeds.values()) if (!f.closed) return;
    this.closed = true;
    clearInterval(this.watchdog);
    this.halt();
    await this.stopping;
  }

  /** Feeds that still need fetching. */
  private wanted(): PartitionFeed[] {
    const out: PartitionFeed[] = [];
    for (const f of this.feeds.values()) if (!f.closed && !f.fetchedAll) out.push(f);
    return out;
  }

  private assignment(): Assignment {
    const out: Assignment = {};
    for (const f of this.wanted()) (out[f.topic] ??= []).push(f.partition);
    return out;
  }

  /**
   * Start a consumer, retrying while the brokers cannot be reached (for up
   * to `outageTimeout`). `crash`: the failure of the consumer this one
   * replaces, which counts as the first failed attempt (logged, and the
   * outage is timed from it).
   */
  private start(crash?: unknown): void {
    this.sealed = true;
    this.active = true;
    const generation = ++this.generation;
    const topics = Object.keys(this.assignment());
    void withRetries(
      (attempt) => {
        if (generation !== this.generation) throw SUPERSEDED;
        if (attempt === 1 && crash !== undefined) throw crash;
        return this.launch(topics);
      },
      {
        what: `${this.config.who} reading ${topics.map((t) => `'${t}'`).join(", ")}`,
        target: this.config.brokers.join(","),
        giveUpAfterMs: this.config.outageTimeout,
        retriable: (err) => err !== SUPERSEDED && generation === this.generation && (err as ConnectorError).retriable === true,
        beforeRetry: () => {
          if (generation === this.generation) this.stop();
        },
      },
    ).catch((err: unknown) => {
      if (generation === this.generation) this.onFailure(err as ConnectorError);
    });
    if (this.watchdog === undefined) {
      this.watchdog = setInterval(() => {
        if (this.active && Date.now() - this.lastPoll > DORMANT_AFTER_MS) this.halt();
      }, 1000);
      this.watchdog.unref();
    }
  }

  /**
   * Connect a new consumer and run it; resolves once it joined its group,
   * rejects with a `ConnectorError` if it fails before. A failure after is
   * handled by {@link onCrash}.
   */
  private launch(topics: string[]): Promise<void> {
    const { client, consumerConfig, stepId } = this.config;
    const consumer = client.consumer(
      {
        maxWaitTimeInMs: 500,
        ...consumerConfig,
        retry: { ...consumerConfig?.retry, restartOnFailure: () => Promise.resolve(false) },
        groupId: `sluice-${stepId}-${randomUUID()}`,
      },
      () => this.assignment(),
    );
    this.consumer = consumer;
    return new Promise<void>((resolve, reject) => {
      let joined = false;
      const fail = (err: unknown): void => {
        if (consumer !== this.consumer) return;
        if (joined) this.onCrash(consumer, err);
        else {
          this.abandon = undefined;
          this.stop();
          reject(connectorError(`${this.config.who} lost its Kafka consumer`, err));
        }
      };
      this.abandon = reject;
      const { GROUP_JOIN, CRASH, END_BATCH_PROCESS } = consumer.events;
      consumer.on(GROUP_JOIN, () => {
        if (consumer !== this.consumer) return;
        this.onJoin(consumer);
        if (!joined) {
          joined = true;
          this.abandon = undefined;
          resolve();
        }
      });
      consumer.on(CRASH, (event) => fail(event.payload.error));
      consumer.on(END_BATCH_PROCESS, (event) => {
        // Batches of only control records or aborted messages skip `eachBatch`.
        if (event.payload.batchSize === 0 && consumer === this.consumer) {
          const feed = this.feeds.get(partName(event.payload.topic, event.payload.partition));
          if (feed !== undefined) this.receive(feed, [], Number(event.payload.lastOffset) + 1);
        }
      });
      (async () => {
        await consumer.connect();
        await consumer.subscribe({ topics, fromBeginning: true });
        await consumer.run({
          autoCommit: false,
          eachBatchAutoResolve: true,
          partitionsConsumedConcurrently: Math.min(this.feeds.size, 64),
          eachBatch: ({ batch, heartbeat }) => this.onBatch(consumer, batch, heartbeat),
        });
      })().catch(fail);
    });
  }

  /** The running consumer failed: start a new one if that may help, else give up. */
  private onCrash(consumer: Consumer, err: unknown): void {
    if (consumer !== this.consumer) return;
    this.stop();
    const error = connectorError(`${this.config.who} lost its Kafka consumer`, err);
    if (!error.retriable) this.onFailure(error);
    else if (this.wanted().length > 0) this.start(error);
    else this.halt(); // Nothing left to fetch.
  }

  /** After each (re)join: put every partition at its own position, pause the finished ones. */
  private onJoin(consumer: Consumer): void {
    if (consumer !== this.consumer) return;
    for (const feed of this.feeds.values()) {
      if (feed.closed || feed.fetchedAll) this.setPaused(feed, true);
      else consumer.seek({ topic: feed.topic, partition: feed.partition, offset: String(feed.fetched) });
    }
  }

  private async onBatch(consumer: Consumer, batch: Batch, heartbeat: () => Promise<void>): Promise<void> {
    if (consumer !== this.consumer) return;
    const feed = this.feeds.get(partName(batch.topic, batch.partition));
    if (feed === undefined) return;
    this.restartDelay = 0;
    feed.highWatermark = Number(batch.highWatermark);
    this.receive(feed, batch.messages, Number(batch.lastOffset()) + 1);
    while (feed.full && !feed.closed && consumer === this.consumer) {
      await feed.waitForRoom(HEARTBEAT_WHILE_FULL_MS);
      if (feed.full && !feed.closed && consumer === this.consumer) await heartbeat();
    }
  }

  private receive(feed: PartitionFeed, messages: Batch["messages"], next: number): void {
    feed.receive(messages, next);
    if (feed.closed || feed.fetchedAll) this.setPaused(feed, true);
  }

  /** The consumer cannot be (re)started: raise `error` at the next poll, or queue it as an error item and start again later. */
  private onFailure(error: ConnectorError): void {
    this.halt();
    if (this.config.raiseOnErrors) {
      this.failure = error;
      return;
    }
    for (const feed of this.feeds.values()) if (!feed.closed && !feed.done) feed.errors.push(error);
    this.restartDelay = Math.min(Math.max(this.restartDelay * 2, FIRST_RESTART_DELAY_MS), MAX_RESTART_DELAY_MS);
    this.restartAt = Date.now() + this.restartDelay;
  }

  /** End the consumer and any (re)start loop: the next poll starts afresh. */
  private halt(): void {
    this.generation++;
    this.active = false;
    const abandon = this.abandon;
    this.abandon = undefined;
    abandon?.(SUPERSEDED);
    this.stop();
  }

  /** Disconnect the consumer, if any (in the background). */
  private stop(): void {
    const consumer = this.consumer;
    if (consumer === undefined) return;
    this.consumer = undefined;
    // A batch handler waiting for room would hold up the disconnection.
    for (const feed of this.feeds.values()) feed.wakeUp();
    const previous = this.stopping;
    this.stopping = previous.then(() => consumer.disconnect()).catch(() => {});
  }

  private setPaused(feed: PartitionFeed, paused: boolean): void {
    const consumer = this.consumer;
    if (consumer === undefined) return;
    const tp = [{ topic: feed.topic, partitions: [feed.partition] }];
    try {
      if (paused) consumer.pause(tp);
      else consumer.resume(tp);
    } catch {
      // Not running yet: the next join applies it.
    }
  }
}

/**
 * The transactional `KafkaSink`: each epoch's output of each sink partition
 * is one Kafka transaction, committed once the epoch's snapshot is stored.
 *
 * The two-phase problem, and how it is solved:
 * - A sink partition is a partition of the sink's `topic`; its transactional
 *   id is `<id>-<partition>`, the same in every run whatever the worker
 *   count, so a restarted run fences the transactions of the one before.
 * - The messages of an epoch are sent in an open transaction as they come
 *   (when no earlier epoch is still waiting for its commit; otherwise they
 *   are kept and sent once it committed).
 * - At the epoch's close the partition's snapshot holds every message of the
 *   epochs whose transaction is not known committed yet, with a sequence
 *   number per epoch (a "batch").
 * - Once the recovery store committed that snapshot, the executor calls
 *   `commit()`: the batch's transaction records the batch's sequence number
 *   as the offset of the consumer group `<id>-<partition>` on the sink
 *   partition (`sendOffsets`, atomically with the messages), and commits.
 * - A crash before the snapshot commit: the open transaction is aborted when
 *   the next run's producer registers the same transactional id, and the
 *   epoch is replayed from the last snapshot.
 * - A crash after the snapshot commit but before the transaction committed:
 *   the next run gets the batch back from the snapshot, registers the
 *   transactional id (which completes a transaction whose commit had begun,
 *   and aborts one that had not), reads the group's offset, and sends again
 *   in a new transaction each batch whose number is above it.
 * - Any failure of a send or a commit is handled the same way, in the
 *   running process: a new producer, the offset read, what is not committed
 *   sent again, with backoff while the brokers are unreachable.
 *
 * @module
 * @internal
 */
import { Partitioners, type CompressionTypes, type ProducerConfig } from "kafkajs";
import type { KafkaClient, KafkaProducer, KafkaTransaction } from "./kafkaClient.js";
import { FixedPartitionedSink, StatefulSinkPartition } from "../../../outputs/sink.js";
import { ConnectorError, causeText } from "../../../errors.js";
import { withRetries } from "../../../internal/backoff.js";
import { isFenced, mayPassWithNewClient } from "./kafkaErrors.js";
import { listPartitions } from "./listPartitions.js";
import { isExplainedFailure } from "./securityFailure.js";
import { decodeMessages, encodeMessages, type OutgoingMessage } from "./messageCodec.js";
import { recordSize, toKafkaMessage, toRequests, topicMessagesOf, type SinkItem } from "./sinkMessage.js";

/** @internal What the transactional sink needs (options already checked). */
export interface KafkaTxnSinkConfig {
  readonly id: string;
  readonly topic: string;
  readonly brokers: readonly string[];
  readonly client: () => KafkaClient;
  readonly producerConfig: ProducerConfig | undefined;
  readonly timeout: number | undefined;
  readonly compression: CompressionTypes | undefined;
  readonly outageTimeout: number;
}

/**
 * @internal A sink partition's snapshot: the sequence number of its next
 * batch and the batches not known committed, oldest first.
 */
export interface KafkaTxnSinkState {
  readonly next: number;
  readonly pending: readonly { readonly seq: number; readonly messages: Uint8Array }[];
}

/** Width of the partition names ("00003"), so that their sorted order is the numeric one. */
const NAME_WIDTH = 5;

/** Messages kept unsent (a send or a commit under way) beyond which the flow waits for the sends. */
const MAX_BACKLOG_BYTES = 4 * 1024 * 1024;

/** Whether a failure of a transactional send or commit may go away with a new producer. */
function retriable(err: unknown): boolean {
  return !(err instanceof TxnFatal) && mayPassWithNewClient(err);
}

/** A failure that no retry can mend (the messages are bad, or another producer took the id over). */
class TxnFatal extends ConnectorError {}

/** The partition a message keyed `key` goes to, as kafkajs's default partitioner (murmur2, like the Java client) picks it. */
function partitionerFor(count: number): (key: Buffer | string | null | undefined) => number {
  const pick = Partitioners.DefaultPartitioner();
  const partitionMetadata = Array.from({ length: count }, (_, i) => ({ partitionId: i, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] }));
  return (key) => pick({ topic: "", partitionMetadata, message: { key: key ?? null, value: null } });
}

/**
 * @internal The fixed-partitioned side of a transactional `KafkaSink`: a
 * partition per partition of `topic`; a message goes to the sink partition
 * of the topic partition it is written to (its `partition`, or its key's),
 * so one producer writes each topic partition and keeps its order.
 */
export class KafkaTxnSink extends FixedPartitionedSink<SinkItem, KafkaTxnSinkState> {
  private count = 0;
  private pick: (key: Buffer | string | null | undefined) => number = () => 0;
  private roundRobin = 0;
  private listed: Promise<string[]> | undefined;

  constructor(private readonly config: KafkaTxnSinkConfig) {
    super();
  }

  /** The partitions of `topic`, as zero-padded names ("00000", "00001", …). */
  listParts(): Promise<string[]> {
    return (this.listed ??= listPartitions(
      `KafkaSink (transactional id '${this.config.id}')`,
      this.config.client(),
      this.config.brokers,
      [this.config.topic],
      this.config.outageTimeout,
    ).then(([t]) => {
      this.count = t.partitions.length;
      this.pick = partitionerFor(this.count);
      return t.partitions.map(partName);
    }));
  }

  /** The sink partition of a routing key (a partition number). */
  override partFn(key: string): number {
    return Number(key);
  }

  /** The routing key of a message: the number of the topic partition it is written to, modulo the sink's partitions. */
  route(item: SinkItem): string {
    const n = this.count;
    if (n <= 1) return "0";
    if (typeof item !== "object" || item === null) return "0";
    if (typeof item.partition === "number" && Number.isInteger(item.partition) && item.partition >= 0) return String(item.partition % n);
    if (item.key == null) return String(this.roundRobin++ % n);
    return String(this.pick(item.key));
  }

  async buildPart(stepId: string, forPart: string, resumeState: KafkaTxnSinkState | undefined): Promise<KafkaTxnSinkPartition> {
    const partition = Number(forPart);
    const part = new KafkaTxnSinkPartition(this.config, stepId, partition, resumeState);
    await part.start();
    return part;
  }
}

function partName(partition: number): string {
  return String(partition).padStart(NAME_WIDTH, "0");
}

/** The messages of one epoch of one sink partition. */
interface Batch {
  readonly seq: number;
  readonly messages: OutgoingMessage[];
  /** How many of `messages` the open transaction holds (only for the batch it belongs to). */
  sent: number;
  /** The encoding for snapshots, once the batch is sealed. */
  encoded?: Uint8Array;
}

/**
 * @internal One partition of a transactional `KafkaSink`: its producer,
 * the batches not committed yet, and the transaction of the oldest one.
 * Every use of the producer runs in order on one queue.
 */
export class KafkaTxnSinkPartition extends StatefulSinkPartition<SinkItem, KafkaTxnSinkState> {
  private readonly who: string;
  private readonly transactionalId: string;
  private producer: KafkaProducer | undefined;
  private txn: KafkaTransaction | undefined;
  /** The batch the open transaction holds. */
  private open: Batch | undefined;
  /** Snapshotted batches whose transaction is not committed, oldest first. */
  private readonly sealed: Batch[] = [];
  /** How many of `sealed` (from the oldest) are in a stored snapshot: their transactions may commit. */
  private durable = 0;
  private current: Batch;
  private queue: Promise<void> = Promise.resolve();
  private failure: unknown;
  private closed = false;
  /** About how many bytes of messages were kept since the last send. */
  private unsentBytes = 0;
  /** Runs of {@link pump} queued or under way. */
  private busy = 0;

  constructor(
    private readonly config: KafkaTxnSinkConfig,
    stepId: string,
    private readonly partition: number,
    resume: KafkaTxnSinkState | undefined,
  ) {
    super();
    this.who = `KafkaSink in step '${stepId}', partition ${partition} of '${config.topic}'`;
    this.transactionalId = `${config.id}-${partition}`;
    if (resume !== undefined) {
      for (const b of resume.pending) {
        let messages: OutgoingMessage[];
        try {
          messages = decodeMessages(b.messages);
        } catch (err) {
          throw new Error(`${this.who}: the stored output of batch ${b.seq} cannot be read: ${causeText(err)}`, { cause: err });
        }
        this.sealed.push({ seq: b.seq, messages, sent: 0, encoded: b.messages });
      }
      // They are in the stored snapshot: commit them (unless already committed).
      this.durable = this.sealed.length;
    }
    this.current = { seq: resume?.next ?? 0, messages: [], sent: 0 };
  }

  /** Connect, fence the previous run's producer, and commit what it left uncommitted. */
  start(): Promise<void> {
    return this.enqueue();
  }

  /**
   * Keep the messages and send them in the open transaction (when they may
   * be: no earlier epoch waits for its commit) in the background: nothing
   * in a transaction is visible before its commit, so the flow need not
   * wait for the acknowledgement, only for the commit. The flow waits once
   * {@link MAX_BACKLOG_BYTES} of messages are kept unsent.
   */
  writeBatch(items: SinkItem[]): Promise<void> | undefined {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new ConnectorError(`${this.who} is closed`));
    const fallback = this.config.topic;
    const out = this.current.messages;
    let bytes = this.unsentBytes;
    for (let i = 0; i < items.length; i++) {
      const m = toKafkaMessage(items[i], i, this.who, fallback);
      out.push(m);
      bytes += recordSize(m.message);
    }
    this.unsentBytes = bytes;
    if (bytes >= MAX_BACKLOG_BYTES) {
      this.unsentBytes = 0;
      return this.enqueue();
    }
    if (this.busy === 0) {
      this.unsentBytes = 0;
      // Sent in the background; a failure is kept and thrown at the next write, snapshot or commit.
      this.enqueue().catch(() => {});
    }
    return undefined;
  }

  /** @internal Send what is kept (when it may be sent); resolves once the brokers acknowledged it. */
  flush(): Promise<void> {
    this.unsentBytes = 0;
    return this.enqueue();
  }

  snapshot(): KafkaTxnSinkState {
    if (this.failure !== undefined) throw this.failure;
    const b = this.current;
    if (b.messages.length > 0) {
      b.encoded = encodeMessages(b.messages);
      this.sealed.push(b);
      this.current = { seq: b.seq + 1, messages: [], sent: 0 };
    }
    return { next: this.current.seq, pending: this.sealed.map((s) => ({ seq: s.seq, messages: s.encoded! })) };
  }

  override commit(): Promise<void> {
    if (this.durable < this.sealed.length) this.durable++;
    return this.enqueue();
  }

  /** Bring Kafka up to date (on the queue, with retries): commit what may be committed, send what may be sent. */
  private enqueue(): Promise<void> {
    this.busy++;
    const run = this.queue
      .then(() => {
        if (this.failure !== undefined) throw this.failure;
        return withRetries((attempt) => this.pump(attempt > 1), {
          what: this.who,
          target: this.config.brokers.join(","),
          giveUpAfterMs: this.config.outageTimeout,
          retriable,
        });
      })
      .finally(() => this.busy--);
    const explained = run.catch((err: unknown) => {
      throw this.explain(err);
    });
    this.queue = explained.catch((err: unknown) => {
      this.failure ??= err;
    });
    return explained;
  }

  /** A failure that retrying could not mend, in words. */
  private explain(err: unknown): unknown {
    // A client's explanation (a refused login, an untrusted certificate) still needs the sink's name.
    if (isExplainedFailure(err)) return new ConnectorError(`${this.who}: ${err.message}`, { cause: err });
    if (err instanceof ConnectorError) return err;
    if (isFenced(err)) {
      return new ConnectorError(
        `${this.who}: another producer took over transactional id '${this.transactionalId}' (is the flow running twice with the same id?), ` +
          "or the broker aborted a transaction that outlived its timeout (`producerConfig.transactionTimeout`): " +
          causeText(err),
        { cause: err },
      );
    }
    return new ConnectorError(`${this.who}: ${causeText(err)}`, { cause: err });
  }

  private async pump(restart: boolean): Promise<void> {
    if (restart || this.producer === undefined) await this.restart();
    while (this.durable > 0) {
      const b = this.sealed[0];
      await this.fill(b);
      const txn = this.txn!;
      await txn.sendOffsets({
        groupId: this.transactionalId,
        topics: [{ topic: this.config.topic, partitions: [{ partition: this.partition, offset: String(b.seq) }] }],
      });
      await txn.commit();
      this.txn = undefined;
      this.open = undefined;
      this.sealed.shift();
      this.durable--;
    }
    // Send ahead what the next commit will hold: the oldest batch waiting for its snapshot to be stored, else the current one.
    const head = this.sealed[0] ?? (this.current.messages.length > 0 ? this.current : undefined);
    if (head !== undefined) await this.fill(head);
  }

  /** Have the open transaction hold every message of `b` (it must be the oldest batch not committed). */
  private async fill(b: Batch): Promise<void> {
    if (this.open !== b) {
      this.txn = await this.producer!.transaction();
      this.open = b;
      b.sent = 0;
    }
    const end = b.messages.length;
    if (b.sent < end) {
      await this.send(this.txn!, b.messages, b.sent, end);
      b.sent = end;
    }
  }

  /** Send `messages[from, to)` in the transaction, one request after the other (see `toRequests`). */
  private async send(txn: KafkaTransaction, messages: readonly OutgoingMessage[], from: number, to: number): Promise<void> {
    for (const request of toRequests(messages, from, to)) await txn.sendBatch(topicMessagesOf(request));
  }


  /**
   * A new producer for the transactional id (which fences any other and
   * settles its open transaction), then drop the batches the group's offset
   * says are committed.
   */
  private async restart(): Promise<void> {
    const old = this.producer;
    this.producer = undefined;
    this.txn = undefined;
    this.open = undefined;
    if (old !== undefined) await old.disconnect().catch(() => {});
    const client = this.config.client();
    const producer = client.producer(
      {
        createPartitioner: Partitioners.DefaultPartitioner,
        transactionTimeout: Math.max(60_000, this.config.outageTimeout + 60_000),
        ...this.config.producerConfig,
        transactionalId: this.transactionalId,
        idempotent: true,
        maxInFlightRequests: 1,
      },
      { acks: -1, timeout: this.config.timeout, compression: this.config.compression },
    );
    try {
      await producer.connect();
    } catch (err) {
      void producer.disconnect().catch(() => {});
      throw err;
    }
    this.producer = producer;
    // kafkajs registers the transactional id (InitProducerId: fencing the producers before, completing or
    // aborting their last transaction) at the first transaction, not at connect: do it now, before the offset is read.
    const registration = await producer.transaction();
    await registration.abort();
    const committed = await this.committedSeq(client);
    let dropped = 0;
    while (this.sealed.length > 0 && this.sealed[0].seq <= committed) {
      this.sealed.shift();
      dropped++;
    }
    this.durable = Math.max(0, this.durable - dropped);
    if (this.sealed.length === 0 && this.current.seq <= committed) {
      // A run without the snapshot of an earlier one with the same id (or with an older one): number on from Kafka's.
      this.current = { seq: committed + 1, messages: this.current.messages, sent: 0 };
    }
  }

  /** The sequence number of the last committed batch (-1 for none): the group's offset on the sink partition. */
  private async committedSeq(client: KafkaClient): Promise<number> {
    const admin = client.admin();
    try {
      await admin.connect();
      const [t] = await admin.fetchOffsets({ groupId: this.transactionalId, topics: [this.config.topic] });
      const p = t?.partitions.find((x) => x.partition === this.partition);
      return p === undefined ? -1 : Number(p.offset);
    } finally {
      await admin.disconnect().catch(() => {});
    }
  }

  /** Wait for the commits under way, then disconnect. */
  override async close(): Promise<void> {
    this.closed = true;
    await this.queue;
    await this.producer?.disconnect().catch(() => {});
    this.producer = undefined;
    if (this.failure !== undefined) throw this.failure;
  }

  /** Disconnect without waiting: an open transaction is aborted by the broker, or fenced by the next run. */
  override abort(error: unknown): void {
    this.closed = true;
    this.failure ??= error;
    const producer = this.producer;
    this.producer = undefined;
    void producer?.disconnect().catch(() => {});
  }
}


export { partName as txnPartName };

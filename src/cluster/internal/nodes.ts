/**
 * The runtime nodes and sources a task's graph gets in a cluster:
 * - {@link RepartitionOutNode} stands where an exchange stands with several
 *   workers: it routes each batch over the application's tasks (by key for
 *   keyed steps, evenly for `redistribute`) and writes each task's share,
 *   encoded with the flow's exchange serde, as one record to that task's
 *   partition of the step's repartition topic, in the task's transaction.
 * - {@link RepartitionSource} reads the task's own partition of that topic
 *   (`read_committed`) and hands the decoded items to the step.
 * - {@link ClusterSinkNode} replaces a `KafkaSink`: its messages join the
 *   task's transaction, so they are committed exactly once with the state
 *   and the input positions that produced them.
 *
 * @module
 * @internal
 */
import { RuntimeNode, type NodeContext, type Route } from "../../run/internal/node.js";
import { isThenable, stepFailure } from "../../run/internal/failure.js";
import type { ExchangeSerde } from "../../internal/exchange/exchangeSerde.js";
import { FixedPartitionedSource, StatefulSourcePartition } from "../../inputs/source.js";
import { KafkaSource } from "../../connectors/kafka/kafkaSource.js";
import type { KafkaClientConfig } from "../../connectors/kafka/config.js";
import type { KafkaSourceMessage } from "../../connectors/kafka/messages.js";
import { toKafkaMessage, type SinkItem } from "../../connectors/kafka/internal/sinkMessage.js";
import type { TaskTxn } from "./taskTxn.js";

/** Most items per repartition record; a record stays well under the brokers' 1 MiB default. */
const ITEMS_PER_RECORD = 500;
/** A record whose encoding is larger than this is split in two (bytes). */
const MAX_RECORD_BYTES = 256 * 1024;

/** @internal The writing half of a repartition: a terminal node in front of which the step's upstream now ends. */
export class RepartitionOutNode extends RuntimeNode {
  constructor(
    readonly target: RuntimeNode,
    private readonly routeItems: Route,
    private readonly topic: string,
    private readonly partitions: number,
    private readonly task: number,
    private readonly serde: ExchangeSerde,
    private readonly txn: TaskTxn,
  ) {
    super(`${target.stepId}.repartition-out`, target.userStepId, 0);
  }

  process(items: unknown[], ctx: NodeContext): void {
    const buckets = this.routeItems(items, this.partitions, this.task);
    for (let p = 0; p < buckets.length; p++) {
      const bucket = buckets[p];
      for (let from = 0; from < bucket.length; from += ITEMS_PER_RECORD) this.write(bucket.slice(from, from + ITEMS_PER_RECORD), p, ctx);
    }
  }

  private write(items: unknown[], partition: number, ctx: NodeContext): void {
    let bytes: Uint8Array;
    try {
      bytes = this.serde.encode(items);
    } catch (err) {
      throw stepFailure(err, "exchange", this.userStepId, { epoch: ctx.epoch });
    }
    if (bytes.byteLength > MAX_RECORD_BYTES && items.length > 1) {
      const half = items.length >> 1;
      this.write(items.slice(0, half), partition, ctx);
      this.write(items.slice(half), partition, ctx);
      return;
    }
    this.txn.add(this.topic, { key: null, value: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), partition });
  }
}

/** A message as the repartition topic's `KafkaSource` hands it out. */
type RawMessage = KafkaSourceMessage<Buffer | null, Buffer | null>;

/** @internal A partition of a repartition topic: its records, decoded into the items written to it. */
class RepartitionPartition extends StatefulSourcePartition<unknown, number> {
  constructor(
    private readonly inner: StatefulSourcePartition<RawMessage, number>,
    private readonly serde: ExchangeSerde,
  ) {
    super();
  }

  /** Synchronous when the Kafka partition is (it is: it hands out what was fetched), so a poll costs no microtask turn. */
  nextBatch(): unknown[] | null | Promise<unknown[] | null> {
    const got = this.inner.nextBatch();
    if (isThenable(got)) return (got as Promise<Iterable<RawMessage> | null>).then((batch) => this.decode(batch));
    return this.decode(got as Iterable<RawMessage> | null);
  }

  private decode(batch: Iterable<RawMessage> | null): unknown[] | null {
    if (batch === null) return null;
    const out: unknown[] = [];
    for (const m of batch) {
      if (m.value === null) continue;
      const items = this.serde.decode(m.value);
      for (let i = 0; i < items.length; i++) out.push(items[i]);
    }
    return out;
  }

  override nextAwake(): Date | undefined {
    return this.inner.nextAwake?.();
  }

  snapshot(): number {
    return this.inner.snapshot();
  }

  override close(): void | Promise<void> {
    return this.inner.close?.();
  }

  override abort(reason: unknown): void | Promise<void> {
    return this.inner.abort?.(reason);
  }

  /** Messages behind the end of the partition (the lag metric). */
  lag(): number | undefined {
    const lag = (this.inner as { lag?: () => number | undefined }).lag;
    return lag?.call(this.inner);
  }
}

/** @internal The reading half of a repartition: the task's partition of the repartition topic, read committed. */
export class RepartitionSource extends FixedPartitionedSource<unknown, number> {
  private readonly kafka: KafkaSource;

  constructor(
    brokers: string[],
    readonly topic: string,
    private readonly serde: ExchangeSerde,
    clientConfig: KafkaClientConfig | undefined,
  ) {
    super();
    this.kafka = new KafkaSource({ brokers, topics: [topic], tail: true, clientConfig, startingOffset: "earliest" });
  }

  listParts(): Promise<string[]> {
    return this.kafka.listParts();
  }

  async buildPart(stepId: string, forPart: string, resumeState: number | undefined): Promise<StatefulSourcePartition<unknown, number>> {
    const inner = await this.kafka.buildPart(stepId, forPart, resumeState);
    return new RepartitionPartition(inner as StatefulSourcePartition<RawMessage, number>, this.serde);
  }
}

/** @internal A source with no partitions: a non-Kafka input in every task but the one that reads it. */
export class NoPartitions extends FixedPartitionedSource<unknown, unknown> {
  listParts(): string[] {
    return [];
  }

  buildPart(_stepId: string, forPart: string): never {
    throw new TypeError(`no partition '${forPart}'`);
  }
}

/** @internal A `KafkaSink` in a cluster: its messages are written in the task's transaction. */
export class ClusterSinkNode extends RuntimeNode {
  private readonly who: string;

  constructor(
    stepId: string,
    userStepId: string,
    private readonly defaultTopic: string | undefined,
    private readonly txn: TaskTxn,
  ) {
    super(stepId, userStepId, 0);
    this.who = `KafkaSink in step '${userStepId}'`;
  }

  process(items: unknown[], ctx: NodeContext): void {
    for (let i = 0; i < items.length; i++) {
      let out;
      try {
        out = toKafkaMessage(items[i] as SinkItem, i, this.who, this.defaultTopic);
      } catch (err) {
        throw stepFailure(err, "writeBatch", this.userStepId, { epoch: ctx.epoch });
      }
      this.txn.add(out.topic, out.message);
    }
  }
}

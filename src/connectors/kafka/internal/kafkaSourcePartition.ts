/**
 * One topic-partition of a `KafkaSource`, as the executor sees it.
 *
 * @module
 * @internal
 */
import type { KafkaMessage } from "kafkajs";
import { StatefulSourcePartition } from "../../../inputs/source.js";
import type { KafkaSourceError, KafkaSourceMessage } from "../messages.js";
import type { GroupReader } from "./groupReader.js";
import type { PartitionFeed } from "./partitionFeed.js";

/** @internal What a `KafkaSource` emits: messages, and error items unless `raiseOnErrors`. */
export type RawItem = KafkaSourceMessage<Buffer | null, Buffer | null> | KafkaSourceError<Buffer | null, Buffer | null>;

/** Longest wait between two polls of an idle partition, in ms. */
const MAX_IDLE_MS = 50;

function toSourceMessage(m: KafkaMessage, topic: string, partition: number): RawItem {
  return {
    key: m.key,
    value: m.value,
    topic,
    partition,
    offset: Number(m.offset),
    timestamp: new Date(Number(m.timestamp)),
    headers: m.headers ?? {},
  };
}

/**
 * @internal Hands out what the {@link GroupReader} fetched into its
 * {@link PartitionFeed}. Never blocks; while nothing is buffered it asks to
 * be polled again after 1, 2, 4 … up to 50 ms. The snapshot is the offset of
 * the next message to hand out.
 */
export class KafkaSourcePartition extends StatefulSourcePartition<RawItem, number> {
  private idleMs = 0;

  constructor(
    private readonly reader: GroupReader,
    private readonly feed: PartitionFeed,
    private readonly batchSize: number,
  ) {
    super();
  }

  /** Up to `batchSize` messages (after pending error items); `null` past the end offset with `tail: false`. */
  nextBatch(): RawItem[] | null {
    const feed = this.feed;
    this.reader.poll();
    const out: RawItem[] = [];
    while (feed.errors.length > 0 && out.length < this.batchSize) {
      out.push({ error: feed.errors.shift()!, message: undefined, topic: feed.topic, partition: feed.partition });
    }
    feed.take(this.batchSize - out.length, out, toSourceMessage);
    if (out.length > 0) {
      this.idleMs = 0;
      return out;
    }
    if (feed.done) return null;
    this.idleMs = this.idleMs === 0 ? 1 : Math.min(this.idleMs * 2, MAX_IDLE_MS);
    return out;
  }

  /** At once after a non-empty batch; later and later while idle. */
  override nextAwake(): Date | undefined {
    return this.idleMs === 0 ? undefined : new Date(Date.now() + this.idleMs);
  }

  /** The offset of the next message to emit. */
  snapshot(): number {
    return this.feed.position;
  }

  /**
   * @internal Messages between the next one to hand out and the end of the
   * partition at the last fetch (the consumer lag metric), once fetched.
   */
  lag(): number | undefined {
    const hw = this.feed.highWatermark;
    return hw < 0 ? undefined : Math.max(0, hw - this.feed.position);
  }

  /** Stop fetching this partition; the last partition of the reader disconnects its consumer. */
  override close(): Promise<void> {
    return this.reader.release(this.feed);
  }

  /** The run ended early: release the partition the same way, so the consumer disconnects at once. */
  override abort(): Promise<void> {
    return this.reader.release(this.feed);
  }
}

/**
 * The buffer of one topic-partition: fetched messages waiting for
 * `nextBatch`, the fetch position and the read position.
 *
 * @module
 * @internal
 */
import type { KafkaMessage } from "kafkajs";

/** @internal Messages of one fetched batch, and the offset to fetch after it. */
interface Chunk {
  readonly messages: KafkaMessage[];
  /** Index of the next message to hand out. */
  index: number;
  /** The offset after this chunk (past filtered control records too). */
  readonly next: number;
}

/**
 * @internal One topic-partition's messages between the consumer (which
 * `receive`s fetched batches in the background) and `nextBatch` (which
 * `take`s them). Offsets are numbers (exact up to 2^53).
 */
export class PartitionFeed {
  private chunks: Chunk[] = [];
  private head = 0;
  /** Messages buffered. */
  buffered = 0;
  /** Next offset to fetch: everything before it was received. */
  fetched: number;
  /** Next offset to hand out: everything before it was taken (the snapshot). */
  position: number;
  /** Resolves the consumer's wait for room in the buffer. */
  private wake: (() => void) | undefined;
  /** Released by its partition (end of input). */
  closed = false;
  /** The partition's high watermark (offset after its last message) in the last fetch, for the lag metric; -1 before one. */
  highWatermark = -1;
  /** Failures to emit as error items before the next messages. */
  readonly errors: Error[] = [];

  constructor(
    readonly topic: string,
    readonly partition: number,
    start: number,
    /** Exclusive end offset with `tail: false`; `Infinity` to tail. */
    readonly end: number,
    private readonly bufferSize: number,
  ) {
    this.fetched = start;
    this.position = start;
  }

  /** Whether every message before `end` was received. */
  get fetchedAll(): boolean {
    return this.fetched >= this.end;
  }

  /** Whether every message before `end` was handed out. */
  get done(): boolean {
    return this.position >= this.end;
  }

  /** Whether the buffer is full (fetching should pause). */
  get full(): boolean {
    return this.buffered >= this.bufferSize;
  }

  /**
   * Wait until the buffer is at most half full, the feed is released or
   * `wakeUp()` is called, for at most `ms` (the timer does not keep the
   * process alive).
   */
  waitForRoom(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      timer.unref();
      const previous = this.wake;
      this.wake = done;
      previous?.();
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
    });
  }

  /** End a pending `waitForRoom`. */
  wakeUp(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  /**
   * Buffer a fetched batch whose last offset (control records included) is
   * `next - 1`. Messages before `fetched` (a batch fetched again after a
   * rebalance) and from `end` on are dropped.
   */
  receive(messages: KafkaMessage[], next: number): void {
    if (this.closed || next <= this.fetched) return;
    let from = 0;
    const n = messages.length;
    while (from < n && Number(messages[from].offset) < this.fetched) from++;
    let to = n;
    if (this.end !== Infinity) while (to > from && Number(messages[to - 1].offset) >= this.end) to--;
    const kept = from === 0 && to === n ? messages : messages.slice(from, to);
    const chunkNext = Math.min(next, this.end);
    this.chunks.push({ messages: kept, index: 0, next: chunkNext });
    this.buffered += kept.length;
    this.fetched = chunkNext;
  }

  /**
   * Move up to `max` buffered messages to `out` through `convert`, advancing
   * `position`; returns how many were moved.
   */
  take<X>(max: number, out: X[], convert: (m: KafkaMessage, topic: string, partition: number) => X): number {
    let taken = 0;
    const chunks = this.chunks;
    while (taken < max && this.head < chunks.length) {
      const chunk = chunks[this.head];
      const msgs = chunk.messages;
      const stop = Math.min(msgs.length, chunk.index + (max - taken));
      for (let i = chunk.index; i < stop; i++) out.push(convert(msgs[i], this.topic, this.partition));
      taken += stop - chunk.index;
      chunk.index = stop;
      if (stop === msgs.length) {
        this.position = chunk.next;
        chunks[this.head++] = undefined as unknown as Chunk;
      } else {
        this.position = Number(msgs[stop - 1].offset) + 1;
      }
    }
    if (this.head === chunks.length) {
      this.chunks = [];
      this.head = 0;
    } else if (this.head >= 64) {
      this.chunks = chunks.slice(this.head);
      this.head = 0;
    }
    this.buffered -= taken;
    if (this.wake !== undefined && this.buffered <= this.bufferSize >>> 1) this.wakeUp();
    return taken;
  }

  /** Forget what is buffered (the partition was released). */
  clear(): void {
    this.chunks = [];
    this.head = 0;
    this.buffered = 0;
    this.wakeUp();
  }
}

/**
 * Flow control between workers: credit-based, as in Flink's network stack.
 *
 * Between two workers, each exchange is a channel that holds at most
 * `capacity` items: items sent on it and not yet processed by the receiver.
 * The sender counts what it sends; the receiver, once it has processed a
 * message's items (pushed them through its steps, sinks included, not merely
 * received them), returns that many items of credit. A worker whose channel
 * is full stops reading the feeds (source partitions, loops) that reach it,
 * and stops delivering the exchange messages whose processing reaches it
 * (see `BarrierEpochs`), until credit returns.
 *
 * The bound is checked before each source batch and each delivered message,
 * so a channel may exceed it by what one such batch sends (a source batch,
 * or what one received message turns into downstream).
 *
 * Why nothing waits forever:
 * - Epoch markers carry no items and never wait for credit, so barriers
 *   always complete.
 * - One channel per exchange (not one budget per worker pair shared by every
 *   exchange): delivering the items of exchange `e` waits only for credit on
 *   exchanges downstream of `e`, which come later in topological order. The
 *   last exchange's items never wait, so by induction every wait ends, even
 *   when every worker sends to every other one (with a shared budget, two
 *   workers whose channels to each other are full of first-exchange items
 *   would each wait for the other to make room).
 * - Feedback loops: items sent back are queued by the loop's `feedback` node
 *   on their worker without credit (the queue is snapshotted at epoch
 *   close); only re-reading the loop, like reading a source, waits for
 *   credit. So a cycle never waits on its own credit: the credit it waits for
 *   is returned by deliveries, which never wait for a loop.
 *
 * @module
 * @internal
 */
import type { MessagePort } from "node:worker_threads";
import { BuildError, describeType } from "../../errors.js";
import type { PeerLink } from "./exchange.js";
import type { PeerMessage } from "./protocol.js";

/** @internal Default `channelCapacity`: items per channel (exchange and pair of workers). */
export const DEFAULT_CHANNEL_CAPACITY = 10_000;

/**
 * @internal The `channelCapacity` option of `runMain` / `cliMain`, checked:
 * its default when not given, else a positive integer.
 *
 * @throws {@link BuildError} naming the option for anything else.
 */
export function channelCapacityOption(value: unknown): number {
  if (value === undefined) return DEFAULT_CHANNEL_CAPACITY;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
    const got = typeof value === "number" ? String(value) : describeType(value);
    throw new BuildError(`channelCapacity must be a positive integer (items a channel between two workers holds); got ${got}`);
  }
  return value;
}

/** @internal The channels of one worker to the others: what it sent on each and not yet credited. */
export class CreditChannels implements PeerLink {
  /** Per exchange, per worker: items sent there and not processed yet (this worker's own index: 0). */
  private queuedItems: number[][] = [];
  /** Per exchange, per worker: the most items ever queued. */
  private maxItems: number[][] = [];

  constructor(
    private readonly ports: readonly (MessagePort | null)[],
    readonly capacity: number,
  ) {}

  /** Size the counters for `edges` exchanges (known once the worker built its graph). */
  setEdges(edges: number): void {
    const n = this.ports.length;
    this.queuedItems = Array.from({ length: edges }, () => new Array<number>(n).fill(0));
    this.maxItems = Array.from({ length: edges }, () => new Array<number>(n).fill(0));
  }

  sendItems(worker: number, edge: number, epoch: number, bytes: Uint8Array, count: number): void {
    const queued = this.queuedItems[edge];
    const now = (queued[worker] += count);
    if (now > this.maxItems[edge][worker]) this.maxItems[edge][worker] = now;
    // Move the bytes' memory when they own all of it (no copy).
    const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer;
    this.ports[worker]!.postMessage({ t: 0, edge, epoch, bytes, n: count } satisfies PeerMessage, whole ? [bytes.buffer] : []);
  }

  /** `worker` processed `count` items of exchange `edge` that this worker sent it. */
  credit(worker: number, edge: number, count: number): void {
    this.queuedItems[edge][worker] -= count;
  }

  full(edges: readonly number[]): boolean {
    const cap = this.capacity;
    for (let i = 0; i < edges.length; i++) {
      const queued = this.queuedItems[edges[i]];
      for (let w = 0; w < queued.length; w++) if (queued[w] >= cap) return true;
    }
    return false;
  }

  queued(edge: number): readonly number[] {
    return this.queuedItems[edge] ?? [];
  }

  queuedMax(edge: number): readonly number[] {
    return this.maxItems[edge] ?? [];
  }
}

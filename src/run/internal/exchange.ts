/**
 * Exchanges: with several workers, the node in front of every node whose
 * items must be on a particular worker (its `route`: by key for stateful
 * steps, evenly for `redistribute`, to the partition's worker for a fixed
 * sink). Local items go straight on; the others are encoded per batch with
 * the flow's exchange serde and travel over MessagePorts, tagged with their
 * epoch.
 *
 * @module
 * @internal
 */
import { RuntimeNode, type NodeContext, type Route } from "./node.js";
import { stepFailure } from "./failure.js";
import type { ExchangeSerde } from "../../internal/exchange/exchangeSerde.js";

/** @internal Sends exchange traffic to another worker, and knows what waits on each channel (flow control, `channels.ts`). */
export interface PeerLink {
  /** Send the `count` encoded items of exchange `edge`, epoch `epoch`, to `worker`. */
  sendItems(worker: number, edge: number, epoch: number, bytes: Uint8Array, count: number): void;
  /** Items a channel holds at most. */
  readonly capacity: number;
  /** `worker` processed `count` items this worker sent it on exchange `edge`: they leave the channel. */
  credit(worker: number, edge: number, count: number): void;
  /** Whether the channel of one of exchanges `edges` to some worker holds its capacity or more. */
  full(edges: readonly number[]): boolean;
  /** Per worker: items sent on exchange `edge` that it has not processed yet. */
  queued(edge: number): readonly number[];
  /** Per worker: the most items ever waiting on exchange `edge` (since the run started). */
  queuedMax(edge: number): readonly number[];
}

/** @internal The exchange in front of `target`. */
export class ExchangeNode extends RuntimeNode {
  /**
   * Items sent to each worker (this worker's own index: kept here), for
   * metrics. What other workers sent here is the rest of `itemsOut`.
   */
  readonly sent: number[];

  constructor(
    readonly target: RuntimeNode,
    /** Index of this exchange among the flow's exchanges, in topological order. */
    readonly edge: number,
    private readonly routeItems: Route,
    private readonly link: PeerLink,
    private readonly serde: ExchangeSerde,
    private readonly worker: number,
    private readonly workerCount: number,
  ) {
    super(`${target.stepId}.exchange`, target.userStepId, 1);
    this.downs[0].push(target);
    this.sent = new Array<number>(workerCount).fill(0);
  }

  process(items: unknown[], ctx: NodeContext): void {
    const buckets = this.routeItems(items, this.workerCount, this.worker);
    for (let w = 0; w < this.workerCount; w++) {
      this.sent[w] += buckets[w].length;
      if (w === this.worker || buckets[w].length === 0) continue;
      let bytes: Uint8Array;
      try {
        bytes = this.serde.encode(buckets[w]);
      } catch (err) {
        throw stepFailure(err, "exchange", this.userStepId, { epoch: ctx.epoch });
      }
      this.link.sendItems(w, this.edge, ctx.epoch, bytes, buckets[w].length);
    }
    this.emit(0, buckets[this.worker]);
  }

  /** Items of this exchange that another worker sent here. */
  receive(bytes: Uint8Array): void {
    this.emit(0, this.serde.decode(bytes));
  }
}

/**
 * Exchanges: with several workers, the node in front of a stateful step
 * (route by key), a redistribute (spread evenly) or a fixed-partitioned sink
 * (route to the partition's worker). Local items go straight on; the others
 * travel in batches over MessagePorts, tagged with their epoch.
 *
 * @module
 * @internal
 */
import { stableHash } from "../../internal/hash.js";
import { RuntimeNode, type RunContext } from "./node.js";
import { StatefulBatchNode } from "./stateful.js";
import { FixedSinkNode } from "./sinks.js";
import { ForwardNode } from "./stateless.js";
import { stepFailure } from "./failure.js";

/** @internal Sends exchange traffic to another worker. */
export interface PeerLink {
  /** Send items of exchange `edge`, epoch `epoch`, to `worker` (structured clone). */
  sendItems(worker: number, edge: number, epoch: number, items: unknown[]): void;
}

/** @internal Which worker each item of a batch goes to. */
export type Route = (items: unknown[], workerCount: number, self: number) => unknown[][];

/** Route `[key, value]` items by `stableHash(key) % workerCount`; malformed items stay here (the step reports them). */
function byKey(items: unknown[], workerCount: number, self: number): unknown[][] {
  const buckets: unknown[][] = Array.from({ length: workerCount }, () => []);
  for (let i = 0; i < items.length; i++) {
    const kv = items[i] as readonly [unknown, unknown];
    const w = Array.isArray(kv) && typeof kv[0] === "string" ? stableHash(kv[0]) % workerCount : self;
    buckets[w].push(kv);
  }
  return buckets;
}

/** Spread a batch over the workers in contiguous, equal slices, starting after this worker. */
function evenly(items: unknown[], workerCount: number, self: number): unknown[][] {
  const buckets: unknown[][] = new Array(workerCount);
  const size = Math.ceil(items.length / workerCount);
  for (let k = 0; k < workerCount; k++) buckets[(self + k) % workerCount] = items.slice(k * size, (k + 1) * size);
  return buckets;
}

/** @internal The route into `node`, or `undefined` when items stay on their worker. */
export function routeFor(node: RuntimeNode): Route | undefined {
  if (node instanceof StatefulBatchNode) return byKey;
  if (node instanceof FixedSinkNode) {
    return (items, workerCount, self) => {
      const buckets: unknown[][] = Array.from({ length: workerCount }, () => []);
      for (const kv of items) {
        const w = Array.isArray(kv) && typeof kv[0] === "string" ? node.workerFor(kv[0]) : self;
        buckets[w].push(kv);
      }
      return buckets;
    };
  }
  if (node instanceof ForwardNode && node.redistributes) return evenly;
  return undefined;
}

/** @internal The exchange in front of `target`. */
export class ExchangeNode extends RuntimeNode {
  /** Index of this exchange among the flow's exchanges (set by the executor). */
  edge = -1;

  constructor(
    readonly target: RuntimeNode,
    private readonly route: Route,
    private readonly link: PeerLink,
    private readonly worker: number,
    private readonly workerCount: number,
  ) {
    super(`${target.stepId}.exchange`, target.userStepId, 1);
  }

  process(items: unknown[], ctx: RunContext): void {
    const buckets = this.route(items, this.workerCount, this.worker);
    for (let w = 0; w < this.workerCount; w++) {
      if (w === this.worker || buckets[w].length === 0) continue;
      try {
        this.link.sendItems(w, this.edge, ctx.epoch, buckets[w]);
      } catch (err) {
        const why = err instanceof Error && err.name === "DataCloneError" ? new TypeError(`items crossing workers must be structured-cloneable: ${err.message}`) : err;
        throw stepFailure(why, "exchange", this.userStepId, { epoch: ctx.epoch });
      }
    }
    this.emit(0, buckets[this.worker]);
  }

  /** Items of this exchange that another worker sent here. */
  receive(items: unknown[]): void {
    this.emit(0, items);
  }
}

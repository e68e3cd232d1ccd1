/**
 * The counters of one worker for metrics. Nodes count their items and
 * batches, and the executor each feed's items, in every run (a few additions
 * per batch); a run with metrics also times one batch in {@link TIME_EVERY}
 * per node, and reads it all when sampled.
 *
 * @module
 * @internal
 */
import type { Executor } from "../executor.js";
import type { RuntimeNode } from "../node.js";
import { BATCH_SECONDS_BUCKETS, type ExchangeSample, type SourceSample, type StepSample, type WorkerSample } from "./sample.js";

/** Timed batches of one node. */
interface Timings {
  /** Per bucket of {@link BATCH_SECONDS_BUCKETS}, and one above them. */
  readonly buckets: number[];
  seconds: number;
}

/** Index of the bucket of a duration in seconds. */
function bucketOf(seconds: number): number {
  const bounds = BATCH_SECONDS_BUCKETS;
  for (let i = 0; i < bounds.length; i++) if (seconds <= bounds[i]) return i;
  return bounds.length;
}

/** @internal Reads what one executor counted; `sample()` takes the figures. */
export class WorkerMetrics {
  /** The nodes that process batches (not those fused into another), with their timings. */
  private readonly nodes: { node: RuntimeNode; timings: Timings }[] = [];

  /** Time `exec`'s batches from now on; call after `exec.open`. */
  constructor(private readonly exec: Executor) {
    const byNode = new Map<RuntimeNode, Timings>();
    for (const node of exec.nodes) {
      if (node.absorbed) continue;
      const timings: Timings = { buckets: new Array<number>(BATCH_SECONDS_BUCKETS.length + 1).fill(0), seconds: 0 };
      byNode.set(node, timings);
      this.nodes.push({ node, timings });
    }
    exec.timeBatch = (node, ms) => {
      const t = byNode.get(node);
      if (t === undefined) return;
      t.seconds += ms / 1000;
      t.buckets[bucketOf(ms / 1000)]++;
    };
  }

  /** Time the worker's loop ran and did not sleep waiting for input or timers (ms). */
  private busyMs(): number {
    const started = this.exec.loopStartedAt;
    return Number.isNaN(started) ? 0 : Math.max(0, performance.now() - started - this.exec.sleptMs);
  }

  /** The counters now, as plain data. */
  sample(): WorkerSample {
    const steps: StepSample[] = this.nodes.map(({ node, timings }) => ({
      stepId: node.stepId,
      userStepId: node.userStepId,
      itemsIn: node.itemsIn,
      itemsOut: node.itemsOut,
      batches: node.batches,
      buckets: timings.buckets.slice(),
      seconds: timings.seconds,
      keys: node.keysHeld(),
      userSteps: node.userSteps(),
    }));
    const sources: SourceSample[] = [];
    const feeds = this.exec.feedList();
    for (let i = 0; i < feeds.length; i++) {
      const feed = feeds[i];
      if (feed.node.loop() !== undefined) continue;
      sources.push({ stepId: feed.node.userStepId, partition: feed.name, items: this.exec.feedItems[i], lag: feed.lag?.() });
    }
    const self = this.exec.ctx.worker;
    const peers = this.exec.peers;
    const exchanges: ExchangeSample[] = this.exec.exchanges.map((x, edge) => ({
      stepId: x.userStepId,
      sent: x.sent.slice(),
      received: x.itemsOut - x.sent[self],
      queued: peers?.queued(edge).slice(),
      queuedMax: peers?.queuedMax(edge).slice(),
      capacity: peers?.capacity,
    }));
    return { worker: this.exec.ctx.worker, epoch: this.exec.ctx.epoch, steps, sources, exchanges, busyMs: this.busyMs(), at: Date.now() };
  }
}

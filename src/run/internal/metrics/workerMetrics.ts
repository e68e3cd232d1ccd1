/**
 * The counters of one worker: every runtime node's batches are counted (and
 * one in {@link TIME_EVERY} timed) by wrapping its `process` and `emit` on
 * the instance, and source partitions' reads by wrapping their `poll`. A run
 * without metrics never calls this: its nodes keep their plain methods.
 *
 * @module
 * @internal
 */
import type { Executor } from "../executor.js";
import type { Feed, NodeContext, RuntimeNode } from "../node.js";
import { BATCH_SECONDS_BUCKETS, TIME_EVERY, type ExchangeSample, type SourceSample, type StepSample, type WorkerSample } from "./sample.js";

/** Counters of one node. */
interface StepCounters {
  readonly node: RuntimeNode;
  itemsIn: number;
  itemsOut: number;
  batches: number;
  readonly buckets: number[];
  seconds: number;
}

/** Counters of one source partition. */
interface SourceCounters {
  readonly feed: Feed;
  items: number;
}

/** Index of the bucket of a duration in seconds. */
function bucketOf(seconds: number): number {
  const bounds = BATCH_SECONDS_BUCKETS;
  for (let i = 0; i < bounds.length; i++) if (seconds <= bounds[i]) return i;
  return bounds.length;
}

/** @internal Counts what one executor does; `sample()` reads the counters. */
export class WorkerMetrics {
  private readonly steps: StepCounters[] = [];
  private readonly sources: SourceCounters[] = [];

  /** Instrument `exec`'s nodes and source partitions; call after `exec.open`. */
  constructor(private readonly exec: Executor) {
    for (const node of exec.nodes) if (!node.absorbed) this.steps.push(this.wrapNode(node));
    for (const node of exec.nodes) {
      if (node.loop() !== undefined) continue;
      for (const feed of node.feeds()) this.sources.push(this.wrapFeed(feed));
    }
  }

  private wrapNode(node: RuntimeNode): StepCounters {
    const c: StepCounters = { node, itemsIn: 0, itemsOut: 0, batches: 0, buckets: new Array<number>(BATCH_SECONDS_BUCKETS.length + 1).fill(0), seconds: 0 };
    const process = node.process;
    const emit = node.emit;
    const record = (ms: number): void => {
      const s = ms / 1000;
      c.seconds += s;
      c.buckets[bucketOf(s)]++;
    };
    node.process = (items: unknown[], ctx: NodeContext): void | Promise<void> => {
      c.itemsIn += items.length;
      if (++c.batches % TIME_EVERY !== 0) return process.call(node, items, ctx);
      const t0 = performance.now();
      const r = process.call(node, items, ctx);
      if (r === undefined) {
        record(performance.now() - t0);
        return r;
      }
      return r.then(() => record(performance.now() - t0));
    };
    node.emit = (port: number, items: unknown[]): void => {
      c.itemsOut += items.length;
      emit.call(node, port, items);
    };
    return c;
  }

  private wrapFeed(feed: Feed): SourceCounters {
    const c: SourceCounters = { feed, items: 0 };
    const poll = feed.poll;
    const count = (batch: unknown[] | null): unknown[] | null => {
      if (batch !== null) c.items += batch.length;
      return batch;
    };
    (feed as { poll: Feed["poll"] }).poll = (ctx: NodeContext) => {
      const batch = poll.call(feed, ctx);
      return batch instanceof Promise ? batch.then(count) : count(batch);
    };
    return c;
  }

  /** Time the worker's loop ran and did not sleep waiting for input or timers (ms). */
  private busyMs(): number {
    const started = this.exec.loopStartedAt;
    return Number.isNaN(started) ? 0 : Math.max(0, performance.now() - started - this.exec.sleptMs);
  }

  /** The counters now, as plain data. */
  sample(): WorkerSample {
    const steps: StepSample[] = this.steps.map((c) => ({
      stepId: c.node.stepId,
      userStepId: c.node.userStepId,
      itemsIn: c.itemsIn,
      itemsOut: c.itemsOut,
      batches: c.batches,
      buckets: c.buckets.slice(),
      seconds: c.seconds,
      keys: c.node.keysHeld(),
      userSteps: c.node.userSteps(),
    }));
    const sources: SourceSample[] = this.sources.map((c) => ({
      stepId: c.feed.node.userStepId,
      partition: c.feed.name,
      items: c.items,
      lag: c.feed.lag?.(),
    }));
    const exchanges: ExchangeSample[] = this.exec.exchanges.map((x) => ({ stepId: x.userStepId, sent: x.sent.slice(), received: x.received }));
    return { worker: this.exec.ctx.worker, epoch: this.exec.ctx.epoch, steps, sources, exchanges, busyMs: this.busyMs(), at: Date.now() };
  }
}

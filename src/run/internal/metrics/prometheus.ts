/**
 * A run's metrics in Prometheus' text format, with `prom-client`: every
 * metric is computed from the {@link MetricsHub} when scraped (the workers
 * only count), plus prom-client's default process metrics (CPU, memory, event
 * loop lag, heap) of this process.
 *
 * Loaded only by a run that serves metrics.
 *
 * @module
 * @internal
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type MetricType } from "prom-client";
import type { MetricObjectWithValues, MetricValueWithName } from "prom-client";
import type { MetricsHub } from "./hub.js";
import { BATCH_SECONDS_BUCKETS, TIME_EVERY, type ExchangeSample, type RunSnapshot, type WorkerSample } from "./sample.js";

type Labels = Record<string, string | number>;

/** Each `(labels, value)` of a snapshot's workers for one metric. */
type Reader = (s: RunSnapshot) => Iterable<readonly [Labels, number]>;

function* perWorker(s: RunSnapshot, each: (w: WorkerSample) => Iterable<readonly [Labels, number]>): Iterable<readonly [Labels, number]> {
  for (const w of s.samples) if (w !== undefined) yield* each(w);
}

/**
 * Items sent to worker `w` on each exchange and not yet taken in there:
 * every sender's count to `w` less what `w` received (samples are taken at
 * slightly different times, so never below 0).
 */
export function exchangeWaiting(s: RunSnapshot): { stepId: string; worker: number; items: number }[] {
  const out: { stepId: string; worker: number; items: number }[] = [];
  const first = s.samples.find((w) => w !== undefined);
  if (first === undefined) return out;
  first.exchanges.forEach((x, e) => {
    for (let w = 0; w < s.samples.length; w++) {
      const receiver = s.samples[w];
      if (receiver === undefined) continue;
      let sent = 0;
      for (const sender of s.samples) if (sender !== undefined && sender.worker !== w) sent += sender.exchanges[e]?.sent[w] ?? 0;
      out.push({ stepId: x.stepId, worker: w, items: Math.max(0, sent - receiver.exchanges[e].received) });
    }
  });
  return out;
}

const BATCH_HELP = `Time a step took to process a batch (one batch in ${TIME_EVERY} per step is timed)`;

/** The batch time histogram, whose buckets the workers counted. */
class BatchHistogram extends Histogram<"step" | "worker"> {
  constructor(
    registry: Registry,
    private readonly snapshot: () => RunSnapshot,
  ) {
    super({
      name: "sluice_step_batch_seconds",
      help: BATCH_HELP,
      labelNames: ["step", "worker"],
      buckets: [...BATCH_SECONDS_BUCKETS],
      registers: [registry],
    });
  }

  override get(): Promise<MetricObjectWithValues<MetricValueWithName<"step" | "worker">>> {
    return this.getForPromString();
  }

  /** What the registry prints (prom-client reads this method when a metric has it). */
  getForPromString(): Promise<MetricObjectWithValues<MetricValueWithName<"step" | "worker">>> {
    const values: MetricValueWithName<string>[] = [];
    const name = "sluice_step_batch_seconds";
    for (const w of this.snapshot().samples) {
      if (w === undefined) continue;
      for (const step of w.steps) {
        const labels = { step: step.stepId, worker: w.worker };
        let cumulative = 0;
        BATCH_SECONDS_BUCKETS.forEach((le, i) => {
          cumulative += step.buckets[i];
          values.push({ labels: { ...labels, le }, value: cumulative, metricName: `${name}_bucket` });
        });
        cumulative += step.buckets[BATCH_SECONDS_BUCKETS.length];
        values.push({ labels: { ...labels, le: "+Inf" }, value: cumulative, metricName: `${name}_bucket` });
        values.push({ labels, value: step.seconds, metricName: `${name}_sum` });
        values.push({ labels, value: cumulative, metricName: `${name}_count` });
      }
    }
    return Promise.resolve({ name, help: BATCH_HELP, type: "histogram" as unknown as MetricType, values, aggregator: "sum", collect: () => undefined });
  }
}

/** @internal A registry of a run's metrics, and how to scrape it. */
export interface RunMetrics {
  readonly registry: Registry;
  /** The text format, every metric read from one snapshot of the hub. */
  scrape(): Promise<string>;
}

/** @internal A registry whose metrics read `hub` when scraped. */
export function metricsRegistry(hub: MetricsHub): RunMetrics {
  const registry = new Registry();
  // One snapshot per scrape, which every metric reads (a snapshot copies each worker's counters).
  let current: RunSnapshot | undefined;
  const snapshot = (): RunSnapshot => (current ??= hub.snapshot());
  collectDefaultMetrics({ register: registry });
  /** A counter or gauge whose series `read` gives from the scrape's snapshot. */
  const define = (kind: "counter" | "gauge", name: string, help: string, labelNames: string[], read: Reader): void => {
    const config = {
      name,
      help,
      labelNames,
      registers: [registry],
      collect(this: Counter | Gauge) {
        this.reset();
        for (const [labels, v] of read(snapshot())) {
          if (this instanceof Gauge) this.set(labels, v);
          else this.inc(labels, v);
        }
      },
    };
    if (kind === "counter") new Counter(config);
    else new Gauge(config);
  };
  const counter = (name: string, help: string, labelNames: string[], read: Reader): void => define("counter", name, help, labelNames, read);
  const gauge = (name: string, help: string, labelNames: string[], read: Reader): void => define("gauge", name, help, labelNames, read);
  const stepLabels = ["step", "worker"];
  counter("sluice_step_items_in_total", "Items a step was given", stepLabels, (s) =>
    perWorker(s, (w) => w.steps.map((st) => [{ step: st.stepId, worker: w.worker }, st.itemsIn] as const)),
  );
  counter("sluice_step_items_out_total", "Items a step emitted", stepLabels, (s) =>
    perWorker(s, (w) => w.steps.map((st) => [{ step: st.stepId, worker: w.worker }, st.itemsOut] as const)),
  );
  counter("sluice_step_batches_total", "Batches a step processed", stepLabels, (s) =>
    perWorker(s, (w) => w.steps.map((st) => [{ step: st.stepId, worker: w.worker }, st.batches] as const)),
  );
  new BatchHistogram(registry, snapshot);
  gauge("sluice_step_keys", "Keys a stateful step holds state for", stepLabels, (s) =>
    perWorker(s, (w) => w.steps.flatMap((st) => (st.keys === undefined ? [] : [[{ step: st.stepId, worker: w.worker }, st.keys] as const]))),
  );
  gauge("sluice_exchange_waiting_items", "Items sent to a worker by the others on an exchange and not yet taken in there", stepLabels, (s) =>
    exchangeWaiting(s).map((x) => [{ step: x.stepId, worker: x.worker }, x.items] as const),
  );
  const channelLabels = ["step", "from", "to"];
  /** Each channel (exchange, sender, receiver) of the run, with `read` of the sender's sample. */
  const channels = (s: RunSnapshot, read: (x: ExchangeSample, to: number) => number | undefined): (readonly [Labels, number])[] => {
    const out: (readonly [Labels, number])[] = [];
    for (const w of s.samples) {
      if (w === undefined) continue;
      for (const x of w.exchanges) {
        for (let to = 0; to < s.workers; to++) {
          const v = to === w.worker ? undefined : read(x, to);
          if (v !== undefined) out.push([{ step: x.stepId, from: w.worker, to }, v]);
        }
      }
    }
    return out;
  };
  gauge("sluice_exchange_channel_items", "Items sent on an exchange from one worker to another that the receiver has not processed yet (flow control)", channelLabels, (s) =>
    channels(s, (x, to) => x.queued?.[to]),
  );
  gauge("sluice_exchange_channel_items_max", "The most items a channel between two workers held since the run started", channelLabels, (s) =>
    channels(s, (x, to) => x.queuedMax?.[to]),
  );
  gauge("sluice_exchange_channel_capacity", "Items a channel between two workers holds before its sender waits (--channel-capacity)", [], (s) => {
    const cap = s.samples.find((w) => w?.exchanges[0]?.capacity !== undefined)?.exchanges[0].capacity;
    return cap === undefined ? [] : [[{}, cap]];
  });
  counter("sluice_source_items_total", "Items read from a source partition", ["step", "partition", "worker"], (s) =>
    perWorker(s, (w) => w.sources.map((p) => [{ step: p.stepId, partition: p.partition, worker: w.worker }, p.items] as const)),
  );
  gauge("sluice_source_lag_items", "Items between a source partition's reader and the partition's end (Kafka)", ["step", "partition", "worker"], (s) =>
    perWorker(s, (w) => w.sources.flatMap((p) => (p.lag === undefined ? [] : [[{ step: p.stepId, partition: p.partition, worker: w.worker }, p.lag] as const]))),
  );
  counter("sluice_worker_busy_seconds_total", "Time a worker was busy: its loop ran without sleeping for input or timers", ["worker"], (s) =>
    perWorker(s, (w) => [[{ worker: w.worker }, w.busyMs / 1000] as const]),
  );
  gauge("sluice_run_info", "The run: its flow id (always 1)", ["flow"], (s) => [[{ flow: s.flowId }, 1]]);
  gauge("sluice_workers", "Worker threads of the run", [], (s) => [[{}, s.workers]]);
  gauge("sluice_epoch", "The last closed (with recovery: committed) epoch", [], (s) => {
    const last = s.epochs.at(-1);
    return last === undefined ? [] : [[{}, last.epoch]];
  });
  counter("sluice_epochs_total", "Epochs closed (with recovery: committed)", [], (s) => [[{}, s.epochTotals.count]]);
  gauge("sluice_epoch_duration_seconds", "Length of the last epoch, from the previous close to its own", [], (s) => {
    const last = s.epochs.at(-1);
    return last === undefined ? [] : [[{}, last.durationMs / 1000]];
  });
  gauge("sluice_epoch_commit_lag_seconds", "Time from the start of the last epoch's close to its commit", [], (s) => {
    const last = s.epochs.at(-1);
    return last === undefined ? [] : [[{}, last.commitLagMs / 1000]];
  });
  counter("sluice_snapshot_keys_total", "Snapshots (keys and partitions, discards included) written to the recovery store", [], (s) => [[{}, s.epochTotals.keys]]);
  counter("sluice_snapshot_bytes_total", "Bytes of snapshots written to the recovery store", [], (s) => [[{}, s.epochTotals.bytes]]);
  return {
    registry,
    scrape: async () => {
      current = undefined;
      try {
        return await registry.metrics();
      } finally {
        current = undefined;
      }
    },
  };
}

/**
 * One task of a cluster application: partition `p` of every Kafka input
 * topic, of every repartition topic and of the changelog, run by one
 * executor in this thread, one epoch per Kafka transaction.
 *
 * Starting a task:
 * 1. register the task's transactional id (the previous owner is fenced:
 *    its open transaction is aborted, it can commit nothing more);
 * 2. restore the task's state from its changelog partition, read committed
 *    up to its end: the states of its keys and partitions, and the last
 *    committed epoch;
 * 3. run the flow on the task's partitions: input positions and keyed
 *    states resume from what was restored, so the epochs after the last
 *    committed one are replayed, and their transactions commit once.
 *
 * @module
 * @internal
 */
import type { Kafka } from "kafkajs";
import type { CompiledFlow, CoreNode } from "../../run/internal/graph.js";
import { Executor, type RunOutcome } from "../../run/internal/executor.js";
import { LocalEpochs } from "../../run/internal/epochDriver.js";
import { Resume, type EncodedStates } from "../../run/internal/resume.js";
import { InputNode } from "../../run/internal/sources.js";
import type { EncodedSnapshot, Route, RuntimeNode } from "../../run/internal/node.js";
import type { ClusterGraph } from "../../run/internal/runtimeGraph.js";
import { systemClock } from "../../clock.js";
import { BuildError } from "../../errors.js";
import { ExchangeSerde } from "../../internal/exchange/exchangeSerde.js";
import { isFixedPartitionedSink, partitionedViewOf } from "../../outputs/sink.js";
import { KafkaSource } from "../../connectors/kafka/kafkaSource.js";
import { KafkaSink } from "../../connectors/kafka/kafkaSink.js";
import type { KafkaClientConfig } from "../../connectors/kafka/config.js";
import { parsePartName, partName } from "../../connectors/kafka/internal/partName.js";
import { changelogTopic, repartitionTopic, taskTransactionalId } from "./topics.js";
import { EPOCH_KEY, TaskTxn, type EpochRecord } from "./taskTxn.js";
import { ClusterSinkNode, NoPartitions, RepartitionOutNode, RepartitionSource } from "./nodes.js";
import { TaskCache, type CachedTask } from "./taskCache.js";

/** @internal The task that reads the inputs that are not Kafka topics (the ingest stage). */
export const INGEST_TASK = 0;

/** @internal What every task of a process shares. */
export interface TaskSetting {
  readonly applicationId: string;
  readonly brokers: string[];
  readonly clientConfig: KafkaClientConfig | undefined;
  /** The application's task count: the partitions of its repartition and changelog topics. */
  readonly partitions: number;
  readonly epochInterval: number;
  /** A kafkajs client for the tasks' producers. */
  readonly kafka: Kafka;
  /** Where tasks keep their local cache (`--state-dir`), if anywhere. */
  readonly stateDir: string | undefined;
}

/** @internal What a task restored: the states by step and key, and the last epoch it committed. */
export interface Restored {
  readonly states: EncodedStates;
  readonly last: EpochRecord | undefined;
  /** Changelog records read. */
  readonly records: number;
  /** States that came from the local cache. */
  readonly cachedKeys: number;
}

/**
 * @internal Check that `flow` can run in a cluster: every output is a
 * `KafkaSink` or a dynamic sink (a fixed-partitioned sink's partitions
 * would be written from every process).
 *
 * @throws BuildError naming the step.
 */
export function checkClusterFlow(flow: CompiledFlow): void {
  for (const n of flow.nodes) {
    const s = n.spec;
    if (s.kind !== "output" || s.sink instanceof KafkaSink) continue;
    if (isFixedPartitionedSink(s.sink) || partitionedViewOf(s.sink) !== undefined) {
      throw new BuildError(
        `output step '${n.userStepId}' writes to a fixed-partitioned sink, which a cluster cannot share between processes yet: ` +
          `write to Kafka with a KafkaSink (exactly once, in each task's transaction) or use a dynamic sink (each process writes its own part)`,
      );
    }
  }
}

/**
 * @internal The kafkajs client options of the flow's first `KafkaSource`
 * (else `KafkaSink`): what a cluster's own clients use when the cluster
 * options give none, so a flow set up for a secured cluster (TLS, SASL)
 * needs it said once.
 */
export function flowClientConfig(flow: CompiledFlow): KafkaClientConfig | undefined {
  for (const n of flow.nodes) if (n.spec.kind === "input" && n.spec.source instanceof KafkaSource) return n.spec.source.clientOptions();
  for (const n of flow.nodes) if (n.spec.kind === "output" && n.spec.sink instanceof KafkaSink) return n.spec.sink.clientOptions();
  return undefined;
}

/**
 * @internal Restore task `task`: its local cache if it has a usable one
 * (`cache`), then its changelog partition, committed records only, from
 * where the cache ends (else from the start) up to its end; the cache is
 * brought up to date with what was read.
 */
export async function restoreTask(setting: TaskSetting, task: number, cache?: TaskCache): Promise<Restored> {
  const topic = changelogTopic(setting.applicationId);
  let cached: CachedTask | undefined;
  if (cache !== undefined) {
    const admin = setting.kafka.admin();
    await admin.connect();
    let marks: { low: number; high: number } | undefined;
    try {
      const o = (await admin.fetchTopicOffsets(topic)).find((x) => x.partition === task);
      if (o !== undefined) marks = { low: Number(o.low), high: Number(o.high) };
    } finally {
      await admin.disconnect();
    }
    cached = marks === undefined ? undefined : cache.load(marks.low, Date.now());
    // Beyond the end: the changelog is not the one the cache was made from (the topic was recreated).
    if (cached !== undefined && marks !== undefined && cached.nextOffset > marks.high) {
      cache.clear();
      cached = undefined;
    }
  }
  const source = new KafkaSource({
    brokers: setting.brokers,
    topics: [topic],
    tail: false,
    clientConfig: setting.clientConfig,
    startingOffset: cached?.nextOffset ?? "earliest",
    batchSize: 5000,
  });
  const part = await source.buildPart(`${setting.applicationId}.restore-${task}`, partName(topic, task), undefined);
  const steps = cached?.states ?? new Map<string, Map<string, Uint8Array>>();
  let last = cached?.last;
  let records = 0;
  /** What the changelog held beyond the cache, for the cache. */
  const delta: EncodedSnapshot[] = [];
  try {
    for (;;) {
      const got = await part.nextBatch();
      if (got === null) break;
      const batch = [...got];
      if (batch.length === 0) {
        const at = part.nextAwake?.();
        await new Promise((r) => setTimeout(r, at === undefined ? 1 : Math.max(0, at.getTime() - Date.now())));
        continue;
      }
      for (const m of batch) {
        if (!("key" in m) || m.key === null) continue;
        records++;
        const key = m.key.toString("utf8");
        if (key === EPOCH_KEY) {
          last = m.value === null ? undefined : (JSON.parse(m.value.toString("utf8")) as EpochRecord);
          continue;
        }
        const cut = key.indexOf("\u0000");
        const stepId = key.slice(0, cut);
        const stateKey = key.slice(cut + 1);
        let states = steps.get(stepId);
        if (states === undefined) steps.set(stepId, (states = new Map()));
        const bytes = m.value === null ? null : new Uint8Array(m.value.buffer, m.value.byteOffset, m.value.byteLength);
        if (bytes === null) states.delete(stateKey);
        else states.set(stateKey, bytes);
        if (cache !== undefined) delta.push({ stepId, stateKey, state: undefined, bytes });
      }
    }
    if (cache !== undefined && last !== undefined && (records > 0 || cached === undefined)) {
      cache.committed(last.epoch, last.execution, delta, part.snapshot(), Date.now());
    }
  } finally {
    await part.close?.();
  }
  return { states: [...steps].map(([stepId, states]) => [stepId, [...states]] as const), last, records, cachedKeys: cached?.keys ?? 0 };
}

/**
 * @internal Run task `task` of `flow` until `signal` stops it (or its
 * inputs end): fence, restore (then `onRestored`), run. Rejects with what
 * failed the run.
 */
export async function runTask(flow: CompiledFlow, setting: TaskSetting, task: number, signal: AbortSignal, onRestored: (r: Restored) => void): Promise<RunOutcome> {
  const { applicationId, brokers, clientConfig, partitions } = setting;
  const t = new TaskTxn(setting.kafka, taskTransactionalId(applicationId, task), changelogTopic(applicationId), task);
  const cache = setting.stateDir === undefined ? undefined : new TaskCache(setting.stateDir, applicationId, task);
  try {
    await t.fence();
    const restored = await restoreTask(setting, task, cache);
    onRestored(restored);
    t.cache = cache;
    const epoch = (restored.last?.epoch ?? 0) + 1;
    const execution = (restored.last?.execution ?? 0) + 1;
    t.execution = execution;
    const serde = new ExchangeSerde(flow.exchangeClasses);
    /** Input steps whose partitions are Kafka topic-partitions: the task reads partition `n` where `n % partitions === task`. */
    const kafkaSteps = new Set<string>();
    const cluster: ClusterGraph = {
      makeNode(n: CoreNode): RuntimeNode | undefined {
        const s = n.spec;
        if (s.kind === "output" && s.sink instanceof KafkaSink) return new ClusterSinkNode(n.stepId, n.userStepId, s.sink.topic, t);
        if (s.kind !== "input") return undefined;
        if (s.source instanceof KafkaSource) {
          kafkaSteps.add(n.stepId);
          return new InputNode(n.stepId, n.userStepId, s.source.copy());
        }
        return task === INGEST_TASK ? undefined : new InputNode(n.stepId, n.userStepId, new NoPartitions());
      },
      repartition(node: RuntimeNode, route: Route) {
        const topic = repartitionTopic(applicationId, node.stepId);
        const stepId = `${node.stepId}.repartition`;
        kafkaSteps.add(stepId);
        return {
          out: new RepartitionOutNode(node, route, topic, partitions, task, serde, t),
          source: new InputNode(stepId, node.userStepId, new RepartitionSource(brokers, topic, serde, clientConfig)),
        };
      },
    };
    const exec = new Executor(flow, { worker: 0, workerCount: 1, clock: systemClock, startEpoch: epoch, cluster });
    const owner = (stepId: string, part: string): number => {
      if (!kafkaSteps.has(stepId)) return task === INGEST_TASK ? 0 : -1;
      const tp = parsePartName(part);
      return tp !== undefined && tp.partition % partitions === task ? 0 : -1;
    };
    await exec.open(new Resume(restored.states, flow.stateSerde, epoch, execution), owner);
    const driver = new LocalEpochs(exec, {
      epochInterval: setting.epochInterval,
      signal,
      store: { commit: (e, entries) => t.commit(e, entries) },
    });
    return await exec.run(driver);
  } finally {
    await t.close();
    cache?.close();
  }
}

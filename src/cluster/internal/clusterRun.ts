/**
 * A process of a cluster application (`sluice run --application-id …`):
 * this thread loads the flow, works out the application's task count,
 * creates the repartition and changelog topics that do not exist, and
 * starts worker threads that run this process's tasks (`clusterWorker.ts`).
 *
 * @module
 * @internal
 */
import { Worker } from "node:worker_threads";
import { Kafka } from "kafkajs";
import { BuildError, ConnectorError, causeText } from "../../errors.js";
import { loadFlow } from "../../run/internal/loadFlow.js";
import { compileFlow, type CompiledFlow } from "../../run/internal/graph.js";
import { buildRuntimeGraph } from "../../run/internal/runtimeGraph.js";
import { deserializeError, type SerializedError } from "../../run/internal/protocol.js";
import { StderrLog } from "../../internal/stderrLog.js";
import { KafkaSource } from "../../connectors/kafka/kafkaSource.js";
import { kafkaConfig } from "../../connectors/kafka/internal/client.js";
import { avoidNegativeTimeouts } from "../../connectors/kafka/internal/negativeTimeouts.js";
import type { CheckedClusterOptions } from "../clusterOptions.js";
import { changelogTopic, ensureTopics, repartitionTopic, type NeededTopic } from "./topics.js";
import { checkClusterFlow } from "./task.js";

/** @internal What a cluster worker thread is given. */
export interface ClusterWorkerData {
  readonly sluiceWorker: true;
  readonly file: string;
  readonly exportName: string;
  readonly cluster: CheckedClusterOptions;
  readonly partitions: number;
  readonly epochInterval: number;
  readonly tasks: readonly number[];
}

/** @internal What a cluster worker thread tells this thread. */
export type FromClusterWorker =
  | { readonly t: "started"; readonly task: number; readonly records: number | undefined }
  | { readonly t: "ended" }
  | { readonly t: "error"; readonly error: SerializedError };

/** @internal Options of {@link runCluster}. */
export interface ClusterRunOptions {
  readonly cluster: CheckedClusterOptions;
  readonly workers: number;
  readonly epochInterval: number;
  readonly signal?: AbortSignal | undefined;
}

/** @internal The topics a flow needs in a cluster: the changelog, and a repartition topic per keyed exchange. */
export function neededTopics(flow: CompiledFlow, applicationId: string): NeededTopic[] {
  const graph = buildRuntimeGraph(flow, { worker: 0, workerCount: 1 });
  const topics: NeededTopic[] = [{ topic: changelogTopic(applicationId), compacted: true }];
  for (const node of graph.nodes) if (node.route() !== undefined) topics.push({ topic: repartitionTopic(applicationId, node.stepId), compacted: false });
  return topics;
}

/**
 * @internal The application's task count: `--partitions`, else the
 * changelog's partition count if it exists, else the most partitions of the
 * flow's Kafka input topics.
 */
async function taskCount(kafka: Kafka, flow: CompiledFlow, options: CheckedClusterOptions): Promise<number> {
  if (options.partitions !== undefined) return options.partitions;
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const changelog = changelogTopic(options.applicationId);
    const inputs = flow.nodes.flatMap((n) => (n.spec.kind === "input" && n.spec.source instanceof KafkaSource ? n.spec.source.topics : []));
    const topics = existing.has(changelog) ? [changelog] : inputs.filter((t) => existing.has(t));
    if (topics.length === 0) {
      throw new BuildError(
        `cluster application '${options.applicationId}' cannot tell its task count: its flow reads no Kafka topic that exists; give it (\`--partitions\`, or \`cluster.partitions\`)`,
      );
    }
    const meta = await admin.fetchTopicMetadata({ topics });
    return Math.max(...meta.topics.map((t) => t.partitions.length));
  } finally {
    await admin.disconnect();
  }
}

/**
 * @internal Run this process of the application until `signal` aborts (or
 * every task's inputs ended); rejects with the first failure of the flow.
 */
export async function runCluster(file: string, exportName: string, options: ClusterRunOptions): Promise<void> {
  const { cluster } = options;
  const log = StderrLog.fromEnv();
  const flow = compileFlow(await loadFlow({ file, exportName }));
  checkClusterFlow(flow);
  avoidNegativeTimeouts();
  const kafka = new Kafka(kafkaConfig([...cluster.brokers], cluster.clientConfig));
  let partitions: number;
  try {
    partitions = await taskCount(kafka, flow, cluster);
    const admin = kafka.admin();
    await admin.connect();
    try {
      await ensureTopics(admin, neededTopics(flow, cluster.applicationId), partitions, cluster.replicationFactor);
    } finally {
      await admin.disconnect();
    }
  } catch (err) {
    if (err instanceof BuildError || err instanceof ConnectorError) throw err;
    throw new ConnectorError(`cluster application '${cluster.applicationId}' could not set up its topics on ${cluster.brokers.join(",")}: ${causeText(err)}`, { cause: err });
  }
  const mine: number[] = [];
  for (let p = 0; p < partitions; p++) if (p % cluster.processes === cluster.process) mine.push(p);
  log.info(
    `cluster application '${cluster.applicationId}': process ${cluster.process} of ${cluster.processes}, tasks ${mine.join(",") || "none"} of ${partitions}, on ${options.workers} worker thread(s)`,
    { event: "cluster_started", tasks: mine.length, partitions },
  );
  const threads = Math.min(options.workers, Math.max(1, mine.length));
  const workerUrl = new URL("./clusterWorker.js", import.meta.url);
  const workers = Array.from({ length: threads }, (_, w) => {
    const data: ClusterWorkerData = {
      sluiceWorker: true,
      file,
      exportName,
      cluster,
      partitions,
      epochInterval: options.epochInterval,
      tasks: mine.filter((_, k) => k % threads === w),
    };
    return new Worker(workerUrl, { workerData: data });
  });
  const stopAll = (): void => {
    for (const w of workers) w.postMessage({ t: "stop" });
  };
  options.signal?.addEventListener("abort", stopAll, { once: true });
  try {
    const ended = workers.map(
      (w) =>
        new Promise<void>((resolve, reject) => {
          let failed = false;
          w.on("message", (msg: FromClusterWorker) => {
            if (msg.t === "error") {
              failed = true;
              stopAll();
              reject(deserializeError(msg.error));
            }
          });
          w.on("error", (err) => {
            stopAll();
            reject(err);
          });
          w.on("exit", (code) => {
            if (failed) return;
            if (code === 0) resolve();
            else reject(new Error(`cluster worker thread exited with code ${code}`));
          });
        }),
    );
    const results = await Promise.allSettled(ended);
    const failure = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failure !== undefined) throw failure.reason;
  } finally {
    options.signal?.removeEventListener("abort", stopAll);
  }
}

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
import { Kafka, PartitionAssigners, type Consumer } from "kafkajs";
import { BuildError, ConnectorError, causeText } from "../../errors.js";
import { loadFlow } from "../../run/internal/loadFlow.js";
import { compileFlow, type CompiledFlow } from "../../run/internal/graph.js";
import { buildRuntimeGraph } from "../../run/internal/runtimeGraph.js";
import { deserializeError, type SerializedError } from "../../run/internal/protocol.js";
import { StderrLog } from "../../internal/stderrLog.js";
import { KafkaSource } from "../../connectors/kafka/kafkaSource.js";
import { kafkaConfig } from "../../connectors/kafka/internal/client.js";
import { avoidNegativeTimeouts } from "../../connectors/kafka/internal/negativeTimeouts.js";
import { dropAbortedRecords } from "../../connectors/kafka/internal/abortedRecords.js";
import type { CheckedClusterOptions } from "../clusterOptions.js";
import { changelogTopic, ensureTopics, repartitionTopic, tasksTopic, type NeededTopic } from "./topics.js";
import type { TaskEnd } from "./tasksHost.js";
import { checkClusterFlow, flowClientConfig } from "./task.js";

/** @internal What a cluster worker thread is given. */
export interface ClusterWorkerData {
  readonly sluiceWorker: true;
  readonly file: string;
  readonly exportName: string;
  readonly cluster: CheckedClusterOptions;
  readonly partitions: number;
  readonly epochInterval: number;
}

/** @internal What this thread tells a cluster worker thread. */
export type ToClusterWorker = { readonly t: "start"; readonly task: number } | { readonly t: "stop"; readonly task: number } | { readonly t: "stopAll" };

/** @internal What a cluster worker thread tells this thread. */
export type FromClusterWorker =
  | { readonly t: "ready" }
  | { readonly t: "started"; readonly task: number; readonly records: number; readonly cachedKeys: number }
  | { readonly t: "taskEnded"; readonly task: number; readonly how: TaskEnd }
  | { readonly t: "error"; readonly task: number | undefined; readonly error: SerializedError }
  | { readonly t: "closed" };

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

/** How long a worker thread may take to end once its tasks stopped, before it is terminated (ms). */
const THREAD_EXIT_MS = 10_000;
/** How long a task this process is assigned waits before it is started again after another process fenced it (ms). */
const REFENCE_DELAY_MS = 1000;

/**
 * @internal Run this process of the application until `signal` aborts
 * (or, with a static assignment, until none of its tasks runs any more);
 * rejects with the first failure of the flow.
 */
export async function runCluster(file: string, exportName: string, options: ClusterRunOptions): Promise<void> {
  const { cluster } = options;
  const log = StderrLog.fromEnv();
  const flow = compileFlow(await loadFlow({ file, exportName }));
  checkClusterFlow(flow);
  avoidNegativeTimeouts();
  dropAbortedRecords();
  const clientConfig = cluster.clientConfig ?? flowClientConfig(flow);
  const kafka = new Kafka(kafkaConfig([...cluster.brokers], clientConfig));
  const app = cluster.applicationId;
  const grouped = cluster.membership === "group";
  let partitions: number;
  try {
    partitions = await taskCount(kafka, flow, cluster);
    const admin = kafka.admin();
    await admin.connect();
    try {
      const needed = neededTopics(flow, app);
      if (grouped) needed.push({ topic: tasksTopic(app), compacted: false });
      await ensureTopics(admin, needed, partitions, cluster.replicationFactor);
    } finally {
      await admin.disconnect();
    }
  } catch (err) {
    if (err instanceof BuildError || err instanceof ConnectorError) throw err;
    throw new ConnectorError(`cluster application '${app}' could not set up its topics on ${cluster.brokers.join(",")}: ${causeText(err)}`, { cause: err });
  }
  const mine: number[] = [];
  for (let p = 0; p < partitions; p++) if (p % cluster.processes === cluster.process) mine.push(p);
  const threads = grouped ? options.workers : Math.min(options.workers, Math.max(1, mine.length));
  log.info(
    grouped
      ? `cluster application '${app}': ${partitions} tasks shared by the processes of consumer group '${app}', on ${threads} worker thread(s) here`
      : `cluster application '${app}': process ${cluster.process} of ${cluster.processes}, tasks ${mine.join(",") || "none"} of ${partitions}, on ${threads} worker thread(s)`,
    { event: "cluster_started", partitions },
  );
  const workerUrl = new URL("./clusterWorker.js", import.meta.url);
  const workers = Array.from({ length: threads }, () => {
    const data: ClusterWorkerData = { sluiceWorker: true, file, exportName, cluster, partitions, epochInterval: options.epochInterval };
    return new Worker(workerUrl, { workerData: data });
  });
  /** Per running task, its thread. */
  const where = new Map<number, number>();
  /** The tasks this process is to run. */
  let assigned = new Set<number>();
  let stopping = false;
  let consumer: Consumer | undefined;

  return new Promise<void>((resolve, reject) => {
    let settled = false;
    const finish = (error?: unknown): void => {
      if (settled) return;
      settled = true;
      stopping = true;
      options.signal?.removeEventListener("abort", onAbort);
      void shutDown().then(
        () => (error === undefined ? resolve() : reject(error)),
        (err: unknown) => reject(error ?? err),
      );
    };
    const onAbort = (): void => finish();
    const shutDown = async (): Promise<void> => {
      const exits = workers.map(
        (w) =>
          new Promise<void>((done) => {
            const timer = setTimeout(() => void w.terminate(), THREAD_EXIT_MS);
            w.once("exit", () => (clearTimeout(timer), done()));
          }),
      );
      for (const w of workers) w.postMessage({ t: "stopAll" } satisfies ToClusterWorker);
      await Promise.all(exits);
      await consumer?.disconnect().catch(() => undefined);
    };
    const startTask = (task: number): void => {
      if (stopping || where.has(task)) return;
      // The thread running the fewest tasks.
      const load = new Array<number>(threads).fill(0);
      for (const t of where.values()) load[t]++;
      const w = load.indexOf(Math.min(...load));
      where.set(task, w);
      workers[w].postMessage({ t: "start", task } satisfies ToClusterWorker);
    };
    const reconcile = (next: Set<number>): void => {
      assigned = next;
      for (const [task, w] of where) if (!next.has(task)) workers[w].postMessage({ t: "stop", task } satisfies ToClusterWorker);
      for (const task of [...next].sort((a, b) => a - b)) startTask(task);
    };
    const onEnded = (task: number, how: TaskEnd): void => {
      where.delete(task);
      if (stopping) return;
      if (how === "fenced") {
        if (grouped) {
          log.info(`task ${task} moved to another process of the application`, { event: "cluster_task_moved", task });
          // Still assigned here: the other process acted on an older assignment; take it back once it had time to see the new one.
          setTimeout(() => assigned.has(task) && startTask(task), REFENCE_DELAY_MS);
        } else {
          log.error(
            `task ${task} was taken over by another process of the application (this process's producer for it was fenced): it stops running here; ` +
              `is another process running with --process ${cluster.process}/${cluster.processes}?`,
            { event: "cluster_task_fenced", task },
          );
        }
      } else if (how === "stopped" && assigned.has(task)) {
        // Stopped for an assignment that a newer one undid while it stopped: it is this process's again.
        startTask(task);
      }
      if (!grouped && where.size === 0) finish();
    };
    let ready = 0;
    workers.forEach((w) => {
      w.on("message", (msg: FromClusterWorker) => {
        switch (msg.t) {
          case "ready":
            if (++ready === threads) void begin();
            break;
          case "started":
            log.info(
              `task ${msg.task} running (restored ${msg.records} changelog records${cluster.stateDir === undefined ? "" : `, ${msg.cachedKeys} states from the local cache`})`,
              { event: "cluster_task_started", task: msg.task, records: msg.records, cachedKeys: msg.cachedKeys },
            );
            break;
          case "taskEnded":
            onEnded(msg.task, msg.how);
            break;
          case "error":
            finish(deserializeError(msg.error));
            break;
          case "closed":
            break;
        }
      });
      w.on("error", (err) => finish(err));
      w.on("exit", (code) => {
        if (!stopping) finish(new Error(`a cluster worker thread exited with code ${code} while the run went on`));
      });
    });
    const begin = async (): Promise<void> => {
      if (!grouped) return reconcile(new Set(mine));
      try {
        consumer = kafka.consumer({
          groupId: app,
          sessionTimeout: cluster.sessionTimeout,
          heartbeatInterval: Math.max(100, Math.floor(cluster.sessionTimeout / 10)),
          rebalanceTimeout: 30_000,
          maxWaitTimeInMs: 500,
          partitionAssigners: [PartitionAssigners.roundRobin],
        });
        const topic = tasksTopic(app);
        consumer.on(consumer.events.GROUP_JOIN, (e) => {
          const tasks = e.payload.memberAssignment[topic] ?? [];
          log.info(`process joined consumer group '${app}': tasks ${tasks.join(",") || "none"} of ${partitions} are this process's`, {
            event: "cluster_assignment",
            tasks: tasks.length,
          });
          reconcile(new Set(tasks));
        });
        consumer.on(consumer.events.CRASH, (e) => {
          if (!e.payload.restart) finish(new ConnectorError(`the membership consumer of application '${app}' failed: ${causeText(e.payload.error)}`, { cause: e.payload.error }));
        });
        await consumer.connect();
        await consumer.subscribe({ topics: [topic], fromBeginning: true });
        await consumer.run({ autoCommit: false, eachBatch: async () => {} });
      } catch (err) {
        finish(new ConnectorError(`application '${app}' could not join its consumer group: ${causeText(err)}`, { cause: err }));
      }
    };
    options.signal?.addEventListener("abort", onAbort, { once: true });
    if (options.signal?.aborted === true) finish();
  });
}

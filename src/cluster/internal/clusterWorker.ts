/**
 * Entry point of a cluster worker thread: import the flow module, and run
 * the tasks this thread was given until the process stops it.
 *
 * @module
 * @internal
 */
import { parentPort, workerData } from "node:worker_threads";
import { Kafka } from "kafkajs";
import { loadFlow } from "../../run/internal/loadFlow.js";
import { compileFlow } from "../../run/internal/graph.js";
import { serializeError } from "../../run/internal/protocol.js";
import { kafkaConfig } from "../../connectors/kafka/internal/client.js";
import { avoidNegativeTimeouts } from "../../connectors/kafka/internal/negativeTimeouts.js";
import { hostTasks } from "./tasksHost.js";
import type { ClusterWorkerData, FromClusterWorker } from "./clusterRun.js";

const data = workerData as ClusterWorkerData;
const port = parentPort!;
const send = (msg: FromClusterWorker): void => port.postMessage(msg);
const stop = new AbortController();
port.on("message", (msg: { t: string }) => {
  if (msg.t === "stop") stop.abort();
});

async function main(): Promise<void> {
  const flow = compileFlow(await loadFlow({ file: data.file, exportName: data.exportName }));
  avoidNegativeTimeouts();
  const { cluster } = data;
  const kafka = new Kafka(kafkaConfig([...cluster.brokers], cluster.clientConfig));
  await hostTasks(
    flow,
    {
      applicationId: cluster.applicationId,
      brokers: [...cluster.brokers],
      clientConfig: cluster.clientConfig,
      partitions: data.partitions,
      epochInterval: data.epochInterval,
      kafka,
    },
    data.tasks,
    stop.signal,
    { started: (task, records) => send({ t: "started", task, records }) },
  );
  send({ t: "ended" });
}

main()
  .catch((err: unknown) => send({ t: "error", error: serializeError(err) }))
  .finally(() => port.close());

/**
 * Entry point of a cluster worker thread: import the flow module, then start
 * and stop tasks as this process's main thread says (`clusterRun.ts`).
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
import { dropAbortedRecords } from "../../connectors/kafka/internal/abortedRecords.js";
import { TaskHost } from "./tasksHost.js";
import { flowClientConfig } from "./task.js";
import type { ClusterWorkerData, FromClusterWorker, ToClusterWorker } from "./clusterRun.js";

const data = workerData as ClusterWorkerData;
const port = parentPort!;
const send = (msg: FromClusterWorker): void => port.postMessage(msg);

async function main(): Promise<void> {
  const flow = compileFlow(await loadFlow({ file: data.file, exportName: data.exportName }));
  avoidNegativeTimeouts();
  dropAbortedRecords();
  const { cluster } = data;
  const clientConfig = cluster.clientConfig ?? flowClientConfig(flow);
  const kafka = new Kafka(kafkaConfig([...cluster.brokers], clientConfig));
  const host = new TaskHost(
    flow,
    {
      applicationId: cluster.applicationId,
      brokers: [...cluster.brokers],
      clientConfig,
      partitions: data.partitions,
      epochInterval: data.epochInterval,
      kafka,
      stateDir: cluster.stateDir,
    },
    {
      started: (task, records, cachedKeys) => send({ t: "started", task, records, cachedKeys }),
      ended: (task, how) => send({ t: "taskEnded", task, how }),
      failed: (task, err) => send({ t: "error", task, error: serializeError(err) }),
    },
  );
  port.on("message", (msg: ToClusterWorker) => {
    if (msg.t === "start") host.start(msg.task);
    else if (msg.t === "stop") host.stop(msg.task);
    else void host.stopAll().then(() => {
      send({ t: "closed" });
      port.close();
    });
  });
  send({ t: "ready" });
}

main().catch((err: unknown) => {
  send({ t: "error", task: undefined, error: serializeError(err) });
  port.close();
});

/**
 * Entry point of a worker thread: import the flow module, build the same
 * graph as every other worker, agree on partitions, and run with barrier
 * epochs.
 *
 * @module
 * @internal
 */
import { parentPort, workerData } from "node:worker_threads";
import { loadFlow } from "./loadFlow.js";
import { compileFlow } from "./graph.js";
import { Executor } from "./executor.js";
import { CreditChannels } from "./channels.js";
import { BarrierEpochs } from "./barrierEpochs.js";
import { Resume } from "./resume.js";
import { serializeError, type FromWorker, type PeerMessage, type ToWorker, type WorkerData } from "./protocol.js";
import { systemClock } from "../../clock.js";
import { WorkerMetrics } from "./metrics/workerMetrics.js";
import { toJson } from "../../visualize/json.js";
import type { MetricsMessage } from "./protocol.js";

/** How often a worker posts its counters when the run serves metrics (ms). */
const METRICS_EVERY_MS = 1000;

const data = workerData as WorkerData;
const port = parentPort!;
const send = (msg: FromWorker): void => port.postMessage(msg);

async function main(): Promise<void> {
  const flow = await loadFlow({ file: data.file, exportName: data.exportName });
  const owners = new Map<string, Map<string, number>>();
  const ports = data.ports;
  const channels = new CreditChannels(ports, data.channelCapacity);
  const exec = new Executor(compileFlow(flow), {
    worker: data.worker,
    workerCount: data.workerCount,
    clock: systemClock,
    startEpoch: data.startEpoch,
    peers: channels,
  });
  channels.setEdges(exec.exchanges.length);
  const driver = new BarrierEpochs(
    exec,
    { toCoordinator: send, toPeer: (w, msg) => ports[w]!.postMessage(msg) },
    { epochInterval: data.epochInterval, storing: data.recovery },
  );
  ports.forEach((p, from) => p?.on("message", (msg: PeerMessage) => driver.onPeer(msg, from)));
  const assigned = new Promise<void>((resolve) => {
    port.on("message", (msg: ToWorker) => {
      if (msg.t === "assign") {
        for (const [stepId, parts] of Object.entries(msg.owners)) owners.set(stepId, new Map(Object.entries(parts)));
        resolve();
      } else {
        driver.onCoordinator(msg);
      }
    });
  });
  send({ t: "parts", worker: data.worker, flowId: flow.flowId, ...exec.originsInfo(), parts: await exec.listParts() });
  await assigned;
  await exec.open(new Resume(data.states, flow.stateSerde, data.startEpoch, data.execution), (stepId, part) => owners.get(stepId)?.get(part) ?? -1);
  let timer: NodeJS.Timeout | undefined;
  let postMetrics = (): void => {};
  if (data.metrics) {
    const metrics = new WorkerMetrics(exec);
    let graph: string | undefined = data.worker === 0 ? toJson(flow) : undefined;
    postMetrics = () => {
      port.postMessage({ t: "metrics", sample: metrics.sample(), graph } satisfies MetricsMessage);
      graph = undefined;
    };
    postMetrics();
    timer = setInterval(postMetrics, METRICS_EVERY_MS);
    timer.unref();
  }
  let outcome;
  try {
    outcome = await exec.run(driver);
  } finally {
    if (timer !== undefined) clearInterval(timer);
    postMetrics();
  }
  send({ t: "ended", worker: data.worker, outcome });
}

main()
  .catch((err: unknown) => send({ t: "error", worker: data.worker, error: serializeError(err) }))
  .finally(() => {
    for (const p of data.ports) p?.close();
    port.close();
  });

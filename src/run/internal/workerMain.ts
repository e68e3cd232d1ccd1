/**
 * Entry point of a worker thread: import the flow module, build the same
 * graph as every other worker, agree on partitions, and run.
 *
 * @module
 * @internal
 */
import { parentPort, workerData, type MessagePort } from "node:worker_threads";
import { loadFlow } from "./loadFlow.js";
import { compileFlow } from "./graph.js";
import { ParallelExecutor } from "./parallelExecutor.js";
import { serializeError, type FromWorker, type PeerMessage, type ToWorker, type WorkerData } from "./protocol.js";
import type { ResumeStates } from "./sinks.js";
import { RecoveryError } from "../../errors.js";

const data = workerData as WorkerData;
const port = parentPort!;
const send = (msg: FromWorker): void => port.postMessage(msg);

async function main(): Promise<void> {
  const flow = await loadFlow({ file: data.file, exportName: data.exportName });
  const owners = new Map<string, Map<string, number>>();
  const serde = flow.stateSerde;
  const raw = new Map(data.states.map(([stepId, keys]) => [stepId, keys]));
  const decoded = new Map<string, ResumeStates>();
  const resumeStates = (stepId: string): ResumeStates => {
    let states = decoded.get(stepId);
    if (states === undefined) {
      const map = new Map<string, unknown>();
      for (const [key, bytes] of raw.get(stepId) ?? []) {
        try {
          map.set(key, serde.deserialize(bytes));
        } catch (err) {
          throw new RecoveryError(`cannot decode the snapshot of step '${stepId}' for key '${key}': ${String(err)}`, { cause: err });
        }
      }
      decoded.set(stepId, (states = map));
    }
    return states;
  };
  const ports = data.ports;
  const executor: ParallelExecutor = new ParallelExecutor(
    compileFlow(flow),
    {
      epochInterval: data.epochInterval,
      startEpoch: data.startEpoch,
      worker: data.worker,
      workerCount: data.workerCount,
      resumeStates,
      partitionOwner: (stepId, part) => owners.get(stepId)?.get(part) ?? -1,
      peers: { sendItems: (w, edge, epoch, items) => ports[w]!.postMessage({ t: 0, edge, epoch, items } satisfies PeerMessage) },
    },
    {
      toCoordinator: send,
      toPeer: (w, msg) => ports[w]!.postMessage(msg),
    },
    data.recovery,
  );
  ports.forEach((p: MessagePort | null) => p?.on("message", (msg: PeerMessage) => executor.onPeer(msg)));

  const assigned = new Promise<void>((resolve) => {
    port.on("message", (msg: ToWorker) => {
      if (msg.t === "assign") {
        for (const [stepId, parts] of Object.entries(msg.owners)) owners.set(stepId, new Map(Object.entries(parts)));
        resolve();
      } else {
        executor.onCoordinator(msg);
      }
    });
  });
  send({ t: "parts", worker: data.worker, flowId: flow.flowId, ...(await executor.listParts()) });
  await assigned;
  await executor.open();
  const outcome = await executor.run();
  send({ t: "ended", worker: data.worker, outcome });
}

main()
  .catch((err: unknown) => send({ t: "error", worker: data.worker, error: serializeError(err) }))
  .finally(() => {
    for (const p of data.ports) p?.close();
    port.close();
  });

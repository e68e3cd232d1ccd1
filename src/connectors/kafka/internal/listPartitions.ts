/**
 * Listing topic-partitions synchronously.
 *
 * `FixedPartitionedSource.listParts()` is synchronous, but asking a broker is
 * not. The listing runs in a short-lived worker thread (a kafkajs admin
 * client: `listTopics`, then `fetchTopicMetadata`) while this thread waits on
 * an `Atomics.wait`, then reads the answer with `receiveMessageOnPort`.
 *
 * @module
 * @internal
 */
import { createRequire } from "node:module";
import { MessageChannel, Worker, receiveMessageOnPort } from "node:worker_threads";
import { ConnectorError } from "../../../errors.js";
import type { KafkaClientConfig } from "../config.js";

/** @internal A topic and its partition numbers, sorted. */
export interface TopicPartitions {
  readonly topic: string;
  readonly partitions: readonly number[];
}

type Answer =
  | { readonly topics: TopicPartitions[] }
  | { readonly missing: string[]; readonly known: number }
  | { readonly error: { readonly name: string; readonly message: string; readonly retriable: boolean } };

// CommonJS, evaluated in the worker: kafkajs is required by absolute path.
const WORKER_CODE = `
const { workerData } = require("node:worker_threads");
const { Kafka, logLevel } = require(workerData.kafkajs);
const done = new Int32Array(workerData.done);
function finish(answer) {
  workerData.port.postMessage(answer);
  Atomics.store(done, 0, 1);
  Atomics.notify(done, 0);
}
(async () => {
  const admin = new Kafka({ ...workerData.config, logLevel: logLevel.NOTHING }).admin();
  try {
    await admin.connect();
    const known = new Set(await admin.listTopics());
    const missing = workerData.topics.filter((t) => !known.has(t));
    if (missing.length > 0) return finish({ missing, known: known.size });
    const { topics } = await admin.fetchTopicMetadata({ topics: workerData.topics });
    finish({
      topics: topics.map((t) => ({ topic: t.name, partitions: t.partitions.map((p) => p.partitionId).sort((a, b) => a - b) })),
    });
  } catch (err) {
    finish({ error: { name: String(err && err.name), message: String(err && err.message), retriable: !!(err && err.retriable) } });
  } finally {
    await admin.disconnect().catch(() => {});
  }
})();
`;

/** Drop what cannot be copied to another thread (functions), recursively. */
function cloneable(value: unknown): unknown {
  if (typeof value === "function") return undefined;
  if (value === null || typeof value !== "object" || ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return value;
  if (Array.isArray(value)) return value.map(cloneable);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== "function") out[k] = cloneable(v);
  }
  return out;
}

/**
 * @internal List the partitions of `topics`, blocking this thread for at most
 * `timeoutMs`. Function-valued client options (a `logCreator`, a
 * `socketFactory`, an OAuth token provider) are not used for the listing.
 *
 * @throws ConnectorError naming the missing topics, or why the brokers could
 *   not be asked.
 */
export function listPartitionsSync(
  who: string,
  brokers: readonly string[],
  config: KafkaClientConfig | undefined,
  topics: readonly string[],
  timeoutMs: number,
): TopicPartitions[] {
  const done = new SharedArrayBuffer(4);
  const { port1, port2 } = new MessageChannel();
  const workerConfig = { ...(cloneable(config ?? {}) as object), brokers: [...brokers] };
  let worker: Worker;
  try {
    worker = new Worker(WORKER_CODE, {
      eval: true,
      workerData: { kafkajs: createRequire(import.meta.url).resolve("kafkajs"), config: workerConfig, topics: [...topics], done, port: port2 },
      transferList: [port2],
      stdout: true,
      stderr: true,
    });
  } catch (err) {
    port1.close();
    throw new ConnectorError(`${who} cannot start the thread that lists partitions: ${String(err)}`, { cause: err });
  }
  worker.unref();
  try {
    const waited = Atomics.wait(new Int32Array(done), 0, 0, timeoutMs);
    const received = receiveMessageOnPort(port1);
    if (received === undefined) {
      throw new ConnectorError(
        `${who} could not list the partitions of ${topics.join(", ")} on ${brokers.join(",")} ` +
          (waited === "timed-out" ? `within ${timeoutMs} ms` : "(the listing thread gave no answer)"),
        { retriable: true },
      );
    }
    const answer = received.message as Answer;
    if ("error" in answer) {
      const cause = Object.assign(new Error(answer.error.message), { name: answer.error.name });
      throw new ConnectorError(`${who} could not list partitions on ${brokers.join(",")}: ${answer.error.name}: ${answer.error.message}`, {
        retriable: answer.error.retriable,
        cause,
      });
    }
    if ("missing" in answer) {
      const s = answer.missing.length === 1 ? "" : "s";
      throw new ConnectorError(
        `${who}: topic${s} ${answer.missing.map((t) => `'${t}'`).join(", ")} do${s ? "" : "es"} not exist on ${brokers.join(",")} ` +
          `(the cluster has ${answer.known} other topic${answer.known === 1 ? "" : "s"}); create ${s ? "them" : "it"} first`,
      );
    }
    return answer.topics;
  } finally {
    port1.close();
    void worker.terminate();
  }
}

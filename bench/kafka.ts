/**
 * Kafka throughput: Sluice's KafkaSource/KafkaSink against a hand-written
 * kafkajs loop doing the same work, on the project's broker
 * (`scripts/kafka.sh start`, or the cluster in KAFKA_BROKERS).
 *
 * - in -> null: read every message of a topic (1,000,000 small messages) and
 *   drop it. Sluice: `KafkaSource` (`tail: false`) -> a sink that does
 *   nothing. Raw: a kafkajs consumer whose `eachBatch` counts.
 * - in -> map -> out: read, turn each value `n` into `n + 1`, write to another
 *   topic with the same key. Sluice: `KafkaSource` -> `map` -> `KafkaSink`,
 *   with recovery (a SQLite store in a temporary directory) and 1 s epochs,
 *   once with the at-least-once sink and once with `transactional: { id }`
 *   (each epoch's output one Kafka transaction per output partition, the
 *   output also kept in the snapshot until its transaction committed).
 *   Raw: `eachBatch` maps the fetched batch and sends it in requests of 1,000
 *   messages, one at a time (what a careful hand-written loop does: a
 *   fetched batch can exceed the brokers' 1 MiB record batch limit).
 *
 * Each with 1 and 4 partitions. Times include connecting, joining the
 * consumer group and disconnecting, for both.
 *
 *     npm run bench -- kafka [--quick]
 */
import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Kafka, logLevel, Partitioners, type KafkaMessage } from "kafkajs";
import { Dataflow, DynamicSink, RecoveryConfig, StatelessSinkPartition, initDbDir, runMain } from "../src/index.js";
import { KafkaSink, KafkaSource } from "../src/connectors/kafka/index.js";
import { QUICK, measure, rate, table, type Measure } from "./lib.js";

const MESSAGES = QUICK ? 100_000 : 1_000_000;
const SCRIPT = fileURLToPath(new URL("../scripts/kafka.sh", import.meta.url));

/** A sink that drops everything. */
class NullSink extends DynamicSink<unknown> {
  build(): StatelessSinkPartition<unknown> {
    return new (class extends StatelessSinkPartition<unknown> {
      writeBatch(): void {}
    })();
  }
}

/** The broker to use (KAFKA_BROKERS, else scripts/kafka.sh starts one), and how to let it go. */
export function broker(): { brokers: string[]; release: () => void } {
  const given = process.env.KAFKA_BROKERS?.trim();
  if (given) return { brokers: given.split(","), release: () => {} };
  const wasRunning = spawnSync("bash", [SCRIPT, "status"]).status === 0;
  const r = spawnSync("bash", [SCRIPT, "start"], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`scripts/kafka.sh start failed:\n${r.stderr}`);
  return {
    brokers: [r.stdout.trim().split("\n").pop()!],
    release: () => {
      if (!wasRunning) spawnSync("bash", [SCRIPT, "stop"]);
    },
  };
}

/** Values `0..n-1` as strings, keys `k0..k999`, spread over the partitions by key. */
async function fill(kafka: Kafka, topic: string): Promise<void> {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const chunk = 20_000;
  for (let i = 0; i < MESSAGES; i += chunk) {
    const messages = [];
    for (let j = i; j < Math.min(i + chunk, MESSAGES); j++) messages.push({ key: `k${j % 1000}`, value: String(j) });
    await producer.send({ topic, messages, acks: 1 });
  }
  await producer.disconnect();
}

/** A raw kafkajs consumer reading `topic` from the start until it saw every message. */
async function rawConsume(kafka: Kafka, topic: string, partitions: number, onBatch?: (messages: KafkaMessage[]) => Promise<void>): Promise<void> {
  const consumer = kafka.consumer({ groupId: `bench-raw-${randomUUID()}`, maxWaitTimeInMs: 500 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let seen = 0;
  let done!: () => void;
  let fail!: (err: unknown) => void;
  const finished = new Promise<void>((resolve, reject) => {
    done = resolve;
    fail = reject;
  });
  consumer.on(consumer.events.CRASH, (e) => fail(e.payload.error));
  await consumer.run({
    autoCommit: false,
    partitionsConsumedConcurrently: partitions,
    eachBatch: async ({ batch }) => {
      if (onBatch !== undefined) await onBatch(batch.messages);
      seen += batch.messages.length;
      if (seen >= MESSAGES) done();
    },
  });
  await finished;
  await consumer.disconnect();
}

export async function benchKafka(): Promise<Record<string, string | number>[]> {
  const { brokers, release } = broker();
  const kafka = new Kafka({ brokers, clientId: "sluice-bench", logLevel: logLevel.ERROR });
  const admin = kafka.admin();
  await admin.connect();
  const created: string[] = [];
  const topic = async (name: string, partitions: number): Promise<string> => {
    const t = `sluice-bench-${name}-${randomUUID().slice(0, 8)}`;
    await admin.createTopics({ topics: [{ topic: t, numPartitions: partitions }], waitForLeaders: true });
    created.push(t);
    return t;
  };
  const rows: Record<string, string | number>[] = [];
  try {
    for (const partitions of [1, 4]) {
      const input = await topic(`in${partitions}`, partitions);
      await fill(kafka, input);
      const results: { flow: string; impl: string; m: Measure }[] = [];

      const rawNull = await measure(() => rawConsume(kafka, input, partitions));
      results.push({ flow: "in -> null", impl: "raw kafkajs", m: rawNull });
      const sluiceNull = await measure(async () => {
        const flow = new Dataflow("bench_null");
        flow.input("in", new KafkaSource({ brokers, topics: [input], tail: false })).output("out", new NullSink());
        await runMain(flow);
      });
      results.push({ flow: "in -> null", impl: "sluice", m: sluiceNull });

      const rawOut = await topic(`raw-out${partitions}`, partitions);
      const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
      await producer.connect();
      const rawMap = await measure(() =>
        rawConsume(kafka, input, partitions, async (messages) => {
          for (let from = 0; from < messages.length; from += 1000) {
            const to = Math.min(from + 1000, messages.length);
            const out = new Array(to - from);
            for (let i = from; i < to; i++) out[i - from] = { key: messages[i].key, value: String(Number(messages[i].value) + 1) };
            await producer.sendBatch({ topicMessages: [{ topic: rawOut, messages: out }], acks: -1 });
          }
        }),
      );
      await producer.disconnect();
      results.push({ flow: "in -> map -> out", impl: "raw kafkajs", m: rawMap });
      const mapFlow = async (transactional: boolean): Promise<Measure> => {
        const out = await topic(`sluice-out${partitions}`, partitions);
        const dir = mkdtempSync(join(tmpdir(), "sluice-bench-kafka-"));
        try {
          initDbDir(dir, 1);
          return await measure(async () => {
            const flow = new Dataflow("bench_map");
            flow
              .input("in", new KafkaSource({ brokers, topics: [input], tail: false }))
              .map("plus_one", (m) => ({ key: m.key, value: String(Number(m.value) + 1) }))
              .output("out", new KafkaSink({ brokers, topic: out, transactional: transactional ? { id: `bench-${out}` } : undefined }));
            await runMain(flow, { epochInterval: 1000, recovery: new RecoveryConfig(dir) });
          });
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      };
      const atLeastOnce = await mapFlow(false);
      results.push({ flow: "in -> map -> out", impl: "sluice at-least-once", m: atLeastOnce });
      results.push({ flow: "in -> map -> out", impl: "sluice transactional", m: await mapFlow(true) });

      for (const { flow, impl, m } of results) {
        const raw = flow === "in -> null" ? rawNull : rawMap;
        rows.push({
          flow,
          partitions,
          impl,
          messages: MESSAGES,
          "msgs/s": rate(MESSAGES, m.wallMs),
          "wall s": (m.wallMs / 1000).toFixed(2),
          "cpu s": (m.cpuMs / 1000).toFixed(2),
          "peak RSS MiB": Math.round(m.peakRss / 2 ** 20),
          "vs raw": `${((raw.wallMs / m.wallMs) * 100).toFixed(0)}%`,
          "vs at-least-once": impl === "sluice transactional" ? `${((atLeastOnce.wallMs / m.wallMs) * 100).toFixed(0)}%` : "",
        });
      }
      await admin.deleteTopics({ topics: created.splice(0) });
    }
  } finally {
    if (created.length > 0) await admin.deleteTopics({ topics: created }).catch(() => {});
    await admin.disconnect();
    release();
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(table(await benchKafka()));
}

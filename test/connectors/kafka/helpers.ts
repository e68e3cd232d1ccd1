/**
 * Helpers of the Kafka tests: the test broker (see test/kafkaSetup.ts),
 * unique topics that are deleted afterwards, producing, reading back.
 */
import { inject } from "vitest";
import { Kafka, logLevel, Partitioners, type Admin, type Message } from "kafkajs";
import { Dataflow } from "../../../src/index.js";
import { runMain, TestingSink } from "../../../src/testing/index.js";
import { KafkaSource, type KafkaSourceMessage, type KafkaSourceOptions } from "../../../src/connectors/kafka/index.js";

/** Bootstrap brokers of the test cluster. */
export function brokers(): string[] {
  const value = process.env.KAFKA_BROKERS ?? inject("kafkaBrokers");
  if (!value) {
    throw new Error("no Kafka broker: register test/kafkaSetup.ts as a vitest globalSetup, or set KAFKA_BROKERS=host:port");
  }
  return value.split(",").map((s) => s.trim());
}

let counter = 0;

/** A topic name no other test (or run) uses. */
export function uniqueTopic(prefix: string): string {
  return `sluice-test-${prefix}-${process.pid}-${Date.now().toString(36)}-${counter++}`;
}

/** A kafkajs client for the test cluster, quiet. */
export function testClient(): Kafka {
  return new Kafka({ brokers: brokers(), clientId: "sluice-tests", logLevel: logLevel.NOTHING });
}

/** Creates topics, produces to them and deletes them all in `cleanup()`. */
export class TestTopics {
  /** @param kafka - The cluster's client (default: the test cluster's, {@link testClient}). */
  constructor(private readonly kafka: Kafka = testClient()) {}

  private admin: Admin | undefined;
  private readonly created: string[] = [];

  private async connected(): Promise<Admin> {
    if (this.admin === undefined) {
      this.admin = this.kafka.admin();
      await this.admin.connect();
    }
    return this.admin;
  }

  /** Create a new topic with `partitions` partitions; its name. */
  async create(prefix: string, partitions: number): Promise<string> {
    const topic = uniqueTopic(prefix);
    const admin = await this.connected();
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: true });
    this.created.push(topic);
    return topic;
  }

  /** Produce `messages` to `topic`, `chunk` per request (each request makes one record batch per partition). */
  async produce(topic: string, messages: Message[], chunk = 10_000): Promise<void> {
    const producer = this.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    try {
      for (let i = 0; i < messages.length; i += chunk) {
        await producer.send({ topic, messages: messages.slice(i, i + chunk), acks: -1 });
      }
    } finally {
      await producer.disconnect();
    }
  }

  /** End offsets (high watermarks) of `topic`'s partitions, by partition. */
  async highWatermarks(topic: string): Promise<number[]> {
    const admin = await this.connected();
    const offsets = await admin.fetchTopicOffsets(topic);
    const out: number[] = [];
    for (const o of offsets) out[o.partition] = Number(o.high);
    return out;
  }

  /** Delete every topic created here and disconnect. */
  async cleanup(): Promise<void> {
    const admin = await this.connected();
    if (this.created.length > 0) await admin.deleteTopics({ topics: this.created.splice(0) }).catch(() => {});
    await admin.disconnect();
    this.admin = undefined;
  }
}

/** Everything in `topics` now, read with a `KafkaSource` (`tail: false`). */
export async function readAll(
  topics: string[],
  options: Partial<KafkaSourceOptions> = {},
): Promise<KafkaSourceMessage<Buffer | null, Buffer | null>[]> {
  const out: KafkaSourceMessage<Buffer | null, Buffer | null>[] = [];
  const flow = new Dataflow("read_all");
  flow.input("in", new KafkaSource({ brokers: brokers(), topics, tail: false, ...options })).output("out", new TestingSink(out));
  await runMain(flow, { epochInterval: 0 });
  return out;
}

/** Messages grouped by `"<topic>-<partition>"`, each group in the order read. */
export function byPartition<M extends { topic: string; partition: number }>(messages: M[]): Map<string, M[]> {
  const out = new Map<string, M[]>();
  for (const m of messages) {
    const k = `${m.topic}-${m.partition}`;
    let list = out.get(k);
    if (list === undefined) out.set(k, (list = []));
    list.push(m);
  }
  return out;
}

/**
 * The end-to-end flows' input and what they must write for it: `count`
 * messages `key -> amount` over `partitions` partitions (key `k<j>` always in
 * partition `j % partitions`), and per input `"<partition>:<offset>"` the
 * line `"<key> n=<count> sum=<sum> src=<partition>:<offset>"` of the key's
 * running count and sum (see fixtures/kafkaFlow.ts).
 */
export function keyedInput(rand: () => number, partitions: number, count: number, keys: number): { messages: Message[]; expected: Map<string, string> } {
  const expected = new Map<string, string>();
  const totals = new Map<string, { n: number; sum: number }>();
  const messages: Message[] = [];
  const next = new Array<number>(partitions).fill(0);
  for (let i = 0; i < count; i++) {
    const j = Math.floor(rand() * keys);
    const key = `k${j}`;
    const partition = j % partitions;
    const amount = Math.floor(rand() * 100);
    const offset = next[partition]++;
    const t = totals.get(key) ?? { n: 0, sum: 0 };
    t.n++;
    t.sum += amount;
    totals.set(key, t);
    expected.set(`${partition}:${offset}`, `${key} n=${t.n} sum=${t.sum} src=${partition}:${offset}`);
    messages.push({ key, value: String(amount), partition });
  }
  return { messages, expected };
}

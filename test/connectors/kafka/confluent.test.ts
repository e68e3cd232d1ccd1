/**
 * Sluice's Kafka connectors through Confluent's client
 * (`@confluentinc/kafka-javascript`, `confluentClient`), against the real
 * broker. Not in the default test run: `npm run test:confluent`, with
 * SLUICE_CONFLUENT_DIR naming the directory `bash scripts/confluent.sh`
 * installed the package into (it prints it). Without it, this file fails.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CompressionTypes, Partitioners } from "kafkajs";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { ConnectorError, Dataflow, RecoveryConfig, initDbDir } from "../../../src/index.js";
import { runMain, TestingSink, TestingSource } from "../../../src/testing/index.js";
import { confluentClient, KafkaSink, KafkaSource, type ConfluentKafka, type KafkaClient, type KafkaSourceMessage } from "../../../src/connectors/kafka/index.js";
import { brokers, readAll, TestTopics } from "./helpers.js";
import { describeTransactionalSink } from "./transactionalCases.js";
import { chaos } from "./txnChaosRun.js";

interface ConfluentModule {
  KafkaJS: { Kafka: new (config: { kafkaJS: Record<string, unknown> }) => ConfluentKafka; logLevel: Record<string, number> };
}

/** The package from SLUICE_CONFLUENT_DIR; throws (failing this file) saying how to get it. */
function loadConfluent(): ConfluentModule {
  const dir = process.env.SLUICE_CONFLUENT_DIR;
  const how = "run `bash scripts/confluent.sh` (it builds @confluentinc/kafka-javascript for this Node) and set SLUICE_CONFLUENT_DIR to the directory it prints";
  if (!dir) throw new Error(`confluent.test.ts: SLUICE_CONFLUENT_DIR is not set: ${how}`);
  const home = join(dir, "node_modules", "@confluentinc", "kafka-javascript");
  if (!existsSync(join(home, "package.json"))) throw new Error(`confluent.test.ts: no @confluentinc/kafka-javascript in ${dir}: ${how}`);
  return createRequire(join(dir, "package.json"))("@confluentinc/kafka-javascript") as ConfluentModule;
}

const confluent = loadConfluent();

/** A Confluent client of the test cluster (or of `at`), quiet. */
function client(at: string[] = brokers()): KafkaClient {
  const { Kafka, logLevel } = confluent.KafkaJS;
  return confluentClient(new Kafka({ kafkaJS: { brokers: at, clientId: "sluice-tests", logLevel: logLevel.NOTHING } }));
}

describeTransactionalSink("@confluentinc/kafka-javascript", client);

describe("KafkaSink through @confluentinc/kafka-javascript", () => {
  const topics = new TestTopics();
  afterAll(() => topics.cleanup());

  it("writes every message at least once, keyed messages by murmur2 like kafkajs", async () => {
    const topic = await topics.create("confluent-alo", 3);
    const items = Array.from({ length: 300 }, (_, i) => ({ key: `k${i % 11}`, value: String(i) }));
    const flow = new Dataflow("confluent_write");
    flow.input("in", new TestingSource(items, 40)).output("out", new KafkaSink({ brokers: brokers(), topic, client: client() }));
    await runMain(flow, { epochInterval: 0 });
    const back = await readAll([topic]);
    expect(back.map((m) => m.value!.toString()).sort()).toEqual(items.map((m) => m.value).sort());
    // The same partition per key as kafkajs's default partitioner (murmur2, the Java client's).
    const kafkajsTopic = await topics.create("confluent-alo-kafkajs", 3);
    const flow2 = new Dataflow("kafkajs_write");
    flow2.input("in", new TestingSource(items, 40)).output("out", new KafkaSink({ brokers: brokers(), topic: kafkajsTopic }));
    await runMain(flow2, { epochInterval: 0 });
    const partitionOf = (ms: typeof back) => new Map(ms.map((m) => [m.key!.toString(), m.partition]));
    expect(partitionOf(back)).toEqual(partitionOf(await readAll([kafkajsTopic])));
  });

  it("sends with the sink's compression and timeout (set on the producer: Confluent's client takes them there)", async () => {
    const topic = await topics.create("confluent-gzip", 1);
    const items = Array.from({ length: 50 }, (_, i) => ({ value: "x".repeat(100) + String(i) }));
    const flow = new Dataflow("confluent_gzip");
    const sink = new KafkaSink({ brokers: brokers(), topic, compression: CompressionTypes.GZIP, timeout: 10_000, acks: 1, client: client() });
    flow.input("in", new TestingSource(items, 50)).output("out", sink);
    await runMain(flow, { epochInterval: 0 });
    expect((await readAll([topic])).map((m) => m.value!.toString())).toEqual(items.map((m) => m.value));
  });

  it("refuses a partitioner of the user's: librdkafka partitions by murmur2", async () => {
    const sink = new KafkaSink({ brokers: brokers(), producerConfig: { createPartitioner: Partitioners.LegacyPartitioner }, client: client() });
    const err = await sink.build("out", 0, 1).then(() => undefined, (e: unknown) => e);
    expect(String((err as Error).message)).toMatch(/createPartitioner` is not supported with `confluentClient`/);
  });

  it("fails the build once the brokers were unreachable for outageTimeout, naming them", async () => {
    const sink = new KafkaSink({ brokers: ["127.0.0.1:1"], topic: "t", client: client(["127.0.0.1:1"]), outageTimeout: 1000 });
    const err = await sink.build("out", 0, 1).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect(String((err as Error).message)).toMatch(/listing the partitions of 't': gave up after retrying .* 127\.0\.0\.1:1/);
  });

  it("fails the build naming a missing topic (the admin calls go through Confluent's client)", async () => {
    const sink = new KafkaSink({ brokers: brokers(), topic: "sluice-test-no-such-topic", client: client(), outageTimeout: 5000 });
    const err = await sink.build("out", 0, 1).then(() => undefined, (e: unknown) => e);
    expect(String((err as Error).message)).toMatch(/topic 'sluice-test-no-such-topic' does not exist/);
  });

});

describe("KafkaSource through @confluentinc/kafka-javascript", () => {
  const topics = new TestTopics();
  afterAll(() => topics.cleanup());
  /** A message as compared between the clients: every field. */
  const fields = (m: KafkaSourceMessage<Buffer | null, Buffer | null>) => ({
    at: `${m.topic}-${m.partition}@${m.offset}`,
    key: m.key?.toString(),
    value: m.value?.toString(),
    timestamp: m.timestamp.getTime(),
    headers: Object.fromEntries(Object.entries(m.headers).map(([k, v]) => [k, String(v)])),
  });

  it("reads 2 topics x 3 partitions to their end offsets (tail: false) as kafkajs does: in order, every field", async () => {
    const a = await topics.create("confluent-read-a", 3);
    const b = await topics.create("confluent-read-b", 3);
    const messages = Array.from({ length: 600 }, (_, i) => ({ key: `k${i % 13}`, value: String(i), headers: { h: `v${i}` }, timestamp: String(1_700_000_000_000 + i) }));
    await topics.produce(a, messages.slice(0, 300), 50);
    await topics.produce(b, messages.slice(300), 50);
    const viaConfluent = await readAll([a, b], { client: client() });
    const viaKafkajs = await readAll([a, b]);
    expect(viaConfluent).toHaveLength(600);
    expect(byPartitionFields(viaConfluent.map(fields))).toEqual(byPartitionFields(viaKafkajs.map(fields)));
  });

  it("reads what the transactional sink committed and ends after the last commit marker", async () => {
    const topic = await topics.create("confluent-read-txn", 2);
    const items = Array.from({ length: 200 }, (_, i) => ({ key: `k${i % 7}`, value: String(i) }));
    const dir = mkdtempSync(join(tmpdir(), "sluice-confluent-"));
    try {
      initDbDir(dir, 1);
      const flow = new Dataflow("confluent_txn");
      flow.input("in", new TestingSource(items, 25)).output("out", new KafkaSink({ brokers: brokers(), topic, transactional: { id: `t-${topic}` }, client: client() }));
      await runMain(flow, { epochInterval: 0, recovery: new RecoveryConfig(dir) });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const back = await readAll([topic], { client: client() });
    expect(back.map((m) => m.value!.toString()).sort()).toEqual(items.map((m) => m.value).sort());
  });

  it("starts at startingOffset (as a resumed partition does), nothing skipped or repeated", async () => {
    const topic = await topics.create("confluent-read-from", 1);
    await topics.produce(topic, Array.from({ length: 20 }, (_, i) => ({ value: String(i) })));
    const back = await readAll([topic], { client: client(), startingOffset: 12 });
    expect(back.map((m) => m.offset)).toEqual([12, 13, 14, 15, 16, 17, 18, 19]);
  });

  it("reads everything in order through small buffers (a full buffer holds its batch up)", async () => {
    const topic = await topics.create("confluent-read-small", 2);
    const messages = Array.from({ length: 1000 }, (_, i) => ({ key: `k${i % 5}`, value: String(i) }));
    await topics.produce(topic, messages, 100);
    const back = await readAll([topic], { client: client(), batchSize: 5, bufferSize: 10 });
    expect(byPartitionFields(back.map(fields))).toEqual(byPartitionFields((await readAll([topic])).map(fields)));
  });

  it("resumes a flow from its recovery directory: a second run reads only the new messages", async () => {
    const topic = await topics.create("confluent-resume", 2);
    const produce = (from: number, n: number) => topics.produce(topic, Array.from({ length: 2 * n }, (_, i) => ({ partition: i % 2, value: String(from + i) })));
    await produce(0, 10);
    const dir = mkdtempSync(join(tmpdir(), "sluice-confluent-rec-"));
    try {
      initDbDir(dir, 2);
      const run = async (): Promise<string[]> => {
        const out: KafkaSourceMessage<Buffer | null, Buffer | null>[] = [];
        const flow = new Dataflow("resume");
        flow.input("in", new KafkaSource({ brokers: brokers(), topics: [topic], tail: false, batchSize: 4, client: client() })).output("out", new TestingSink(out));
        await runMain(flow, { epochInterval: 0, recovery: new RecoveryConfig(dir) });
        return out.map((m) => `${m.partition}@${m.offset}`).sort();
      };
      expect(await run()).toHaveLength(20);
      await produce(20, 3);
      expect(await run()).toEqual(["0@10", "0@11", "0@12", "1@10", "1@11", "1@12"]);
      expect(await run()).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** Messages grouped by partition, each group in the order read. */
function byPartitionFields<M extends { at: string }>(ms: M[]): Record<string, M[]> {
  const out: Record<string, M[]> = {};
  for (const m of ms) (out[m.at.slice(0, m.at.lastIndexOf("@"))] ??= []).push(m);
  return out;
}

describe("Kafka -> keyed state -> transactional KafkaSink through @confluentinc/kafka-javascript under SIGKILL", () => {
  // Fewer kills and less input than the kafkajs run (txnChaos.test.ts): this file runs in CI on one Node line.
  // One worker: the package is a NAN addon, which a process can load in one thread only ("Module did not
  // self-register" in a second worker thread), so a flow on Confluent's client cannot run on -w 2 or more.
  const kills = 8;
  it(`every result exactly once after ${kills} kills on 1 worker (source and sink on Confluent's client)`, () =>
    chaos("confluent", Number(process.env.KAFKA_TXN_SEED ?? 20261209), () => 1, {
      kills,
      perPartition: 2500,
      env: { E2E_CLIENT: "confluent", SLUICE_CONFLUENT_DIR: process.env.SLUICE_CONFLUENT_DIR! },
    }), 240_000);
});

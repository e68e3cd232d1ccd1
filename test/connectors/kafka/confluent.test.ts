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
import { BuildError, ConnectorError, Dataflow } from "../../../src/index.js";
import { runMain, TestingSource } from "../../../src/testing/index.js";
import { confluentClient, KafkaSink, KafkaSource, type ConfluentKafka, type KafkaClient } from "../../../src/connectors/kafka/index.js";
import { brokers, readAll, TestTopics } from "./helpers.js";
import { describeTransactionalSink } from "./transactionalCases.js";

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

  it("a KafkaSource refuses the client: it cannot read through it yet", () => {
    expect(() => new KafkaSource({ brokers: brokers(), topics: ["t"], client: client() })).toThrow(BuildError);
    expect(() => new KafkaSource({ brokers: brokers(), topics: ["t"], client: client() })).toThrow(/cannot read through a `client` of @confluentinc\/kafka-javascript/);
  });
});

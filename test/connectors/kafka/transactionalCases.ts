/**
 * The transactional `KafkaSink`'s tests against the real broker, run with
 * each Kafka client Sluice has: kafkajs (transactional.test.ts) and
 * Confluent's (confluent.test.ts).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ConnectorError, Dataflow, RecoveryConfig, initDbDir } from "../../../src/index.js";
import { runMain, TestingSource } from "../../../src/testing/index.js";
import { KafkaSink, type KafkaClient, type KafkaSinkMessage } from "../../../src/connectors/kafka/index.js";
import { KafkaTxnSinkPartition, type KafkaTxnSinkConfig } from "../../../src/connectors/kafka/internal/kafkaTxnSink.js";
import { encodeMessages } from "../../../src/connectors/kafka/internal/messageCodec.js";
import { kafkajsClient } from "../../../src/connectors/kafka/internal/kafkaClient.js";
import { brokers, readAll, TestTopics, testClient } from "./helpers.js";

type Out = KafkaSinkMessage<Buffer | string | null, Buffer | string | null>;

/** The transactional sink's config for `topic` and `id`, through `client`. */
export function txnConfig(topic: string, id: string, client: KafkaClient): KafkaTxnSinkConfig {
  return { id, topic, brokers: brokers(), client: () => client, producerConfig: undefined, timeout: undefined, compression: undefined, outageTimeout: 10_000 };
}

/**
 * Register the cases: `client()` is a new client of the library tested, or
 * undefined for the sink's own (kafkajs, made from `brokers`). Results are
 * read back with kafkajs (`readAll`: a `KafkaSource`, read_committed).
 */
export function describeTransactionalSink(library: string, client: () => KafkaClient | undefined): void {
  const topics = new TestTopics();
  const dirs: string[] = [];
  afterAll(async () => {
    await topics.cleanup();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  function tempDir(): string {
    const d = mkdtempSync(join(tmpdir(), "sluice-txn-"));
    initDbDir(d, 1);
    dirs.push(d);
    return d;
  }

  async function committedValues(topic: string): Promise<string[]> {
    return (await readAll([topic])).map((m) => m.value!.toString()).sort();
  }

  const config = (topic: string, id: string): KafkaTxnSinkConfig => txnConfig(topic, id, client() ?? kafkajsClient(testClient()));

  describe(`KafkaSink with transactional, through ${library}`, () => {
    it("writes every epoch's output once, visible to read_committed readers, spread over the topic's partitions by key", async () => {
      const topic = await topics.create("txn", 3);
      const items: Out[] = Array.from({ length: 500 }, (_, i) => ({ key: `k${i % 37}`, value: String(i) }));
      const dir = tempDir();
      const flow = new Dataflow("txn_write");
      const sink = new KafkaSink({ brokers: brokers(), topic, transactional: { id: `t-${topic}` }, client: client() });
      flow.input("in", new TestingSource(items, 50)).output("out", sink);
      await runMain(flow, { epochInterval: 0, recovery: new RecoveryConfig(dir) });
      const back = await readAll([topic]);
      expect(back.map((m) => m.value!.toString()).sort()).toEqual(items.map((m) => String(m.value)).sort());
      // Each key stays in one partition, as the default partitioner puts it.
      const partOf = new Map<string, number>();
      for (const m of back) {
        const k = m.key!.toString();
        expect(partOf.get(k) ?? m.partition).toBe(m.partition);
        partOf.set(k, m.partition);
      }
      expect(new Set(back.map((m) => m.partition)).size).toBe(3);
      // The progress of each partition's producer: the sequence number of its last committed batch.
      const admin = testClient().admin();
      await admin.connect();
      const [offsets] = await admin.fetchOffsets({ groupId: `t-${topic}-0`, topics: [topic] });
      await admin.disconnect();
      expect(Number(offsets.partitions.find((p) => p.partition === 0)!.offset)).toBeGreaterThan(0);
    });

    it("finishes what a crashed run left between its snapshot commit and its transaction commit, once", async () => {
      const topic = await topics.create("txn-resume", 1);
      const id = `t-${topic}`;
      const batch = (from: number, n: number) =>
        encodeMessages(Array.from({ length: n }, (_, i) => ({ topic, message: { key: "k", value: String(from + i), partition: 0 } })));
      // As stored by a run killed after storing the snapshot of batches 0 and 1, before committing either in Kafka.
      const state = { next: 2, pending: [{ seq: 0, messages: batch(0, 10) }, { seq: 1, messages: batch(10, 5) }] };
      const first = new KafkaTxnSinkPartition(config(topic, id), "out", 0, state);
      await first.start();
      await first.close();
      expect(await committedValues(topic)).toEqual(Array.from({ length: 15 }, (_, i) => String(i)).sort());
      // The same snapshot again (a run killed after the commit, before its next snapshot): nothing is sent twice.
      const again = new KafkaTxnSinkPartition(config(topic, id), "out", 0, state);
      await again.start();
      await again.close();
      expect(await committedValues(topic)).toHaveLength(15);
    });

    it("a new producer with the same id fences the old one: its open transaction is never visible, and it fails naming the id", async () => {
      const topic = await topics.create("txn-fence", 1);
      const id = `t-${topic}`;
      const old = new KafkaTxnSinkPartition(config(topic, id), "out", 0, undefined);
      await old.start();
      await old.writeBatch([{ value: "zombie" }]);
      await old.flush();
      // Registering the same id fences `old`: its open transaction is aborted, it can no longer commit.
      const next = new KafkaTxnSinkPartition(config(topic, id), "out", 0, undefined);
      await next.start();
      await next.writeBatch([{ value: "live" }]);
      next.snapshot();
      await next.commit();
      old.snapshot();
      const err = await old.commit().then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(ConnectorError);
      expect(String((err as Error).message)).toMatch(new RegExp(`another producer took over transactional id '${id}-0'`));
      await next.close();
      expect(await committedValues(topic)).toEqual(["live"]);
    });
  });
}

import { Kafka, type Producer } from "kafkajs";
import { afterAll, describe, expect, it } from "vitest";
import { BuildError, ConnectorError, Dataflow, StepError } from "../../../src/index.js";
import { runMain, TestingSource } from "../../../src/testing/index.js";
import { KafkaSink, type KafkaSinkMessage } from "../../../src/connectors/kafka/index.js";
import { brokers, byPartition, readAll, TestTopics, testClient, uniqueTopic } from "./helpers.js";

type Out = KafkaSinkMessage<Buffer | string | null, Buffer | string | null>;

const topics = new TestTopics();
afterAll(() => topics.cleanup());

async function write(items: Out[], sink: KafkaSink, batchSize = 100): Promise<void> {
  const flow = new Dataflow("write");
  flow.input("in", new TestingSource(items, batchSize)).output("out", sink);
  await runMain(flow, { epochInterval: 0 });
}

/** A client whose producers count their `send` and `sendBatch` calls. */
function countingClient(): { client: Kafka; calls: { send: number; sendBatch: number; messages: number[] } } {
  const real = testClient();
  const calls = { send: 0, sendBatch: 0, messages: [] as number[] };
  const client = {
    admin: real.admin.bind(real),
    consumer: real.consumer.bind(real),
    producer: (config?: Parameters<Kafka["producer"]>[0]): Producer => {
      const producer = real.producer(config);
      const { send, sendBatch } = producer;
      producer.send = (record) => {
        calls.send++;
        return send(record);
      };
      producer.sendBatch = (batch) => {
        calls.sendBatch++;
        calls.messages.push(batch.topicMessages!.reduce((n, t) => n + t.messages.length, 0));
        return sendBatch(batch);
      };
      return producer;
    },
  } as unknown as Kafka;
  return { client, calls };
}

describe("KafkaSink", () => {
  it("writes messages and reads them back: key, value, partition, headers, timestamp", async () => {
    const topic = await topics.create("sink", 2);
    const at = new Date("2026-01-02T03:04:05.678Z");
    const items: Out[] = [
      { key: "a", value: "1", partition: 1, headers: { h: "x", multi: ["p", "q"] }, timestamp: at },
      { key: Buffer.from("b"), value: Buffer.from([0, 1, 2]), partition: 0 },
      { value: null, partition: 1 },
      { key: "c", value: "3", partition: 1 },
    ];
    await write(items, new KafkaSink({ brokers: brokers(), topic }));
    const back = byPartition(await readAll([topic]));
    const p1 = back.get(`${topic}-1`)!;
    expect(p1.map((m) => [m.offset, m.key?.toString() ?? null, m.value?.toString() ?? null])).toEqual([
      [0, "a", "1"],
      [1, null, null],
      [2, "c", "3"],
    ]);
    expect(p1[0].headers).toEqual({ h: Buffer.from("x"), multi: [Buffer.from("p"), Buffer.from("q")] });
    expect(p1[0].timestamp).toEqual(at);
    const p0 = back.get(`${topic}-0`)!;
    expect(p0.map((m) => [m.key, m.value])).toEqual([[Buffer.from("b"), Buffer.from([0, 1, 2])]]);
  });

  it("sends each batch with one sendBatch, whatever the topics of its messages", async () => {
    const [t1, t2] = await Promise.all([topics.create("batch-a", 1), topics.create("batch-b", 3)]);
    const items: Out[] = Array.from({ length: 200 }, (_, i) => ({ key: `k${i}`, value: `v${i}`, topic: i % 3 === 0 ? t1 : t2 }));
    const { client, calls } = countingClient();
    await write(items, new KafkaSink({ brokers: brokers(), client }), 50);
    expect(calls).toEqual({ send: 0, sendBatch: 4, messages: [50, 50, 50, 50] });
    const back = await readAll([t1, t2]);
    expect(back.filter((m) => m.topic === t1)).toHaveLength(67);
    expect(back.map((m) => m.value!.toString()).sort()).toEqual(items.map((m) => m.value as string).sort());
    // Per topic-partition order is the order of the flow.
    for (const msgs of byPartition(back).values()) {
      const ns = msgs.map((m) => Number(m.value!.toString().slice(1)));
      expect(ns).toEqual([...ns].sort((x, y) => x - y));
    }
  });

  it("reconnects an idle producer it disconnected at the next write", async () => {
    const topic = await topics.create("sink-idle", 1);
    const part = await new KafkaSink({ brokers: brokers(), topic }).build("t.out", 0, 1);
    await part.writeBatch([{ value: "before" }]);
    // What the idle check does after 10 s without writes (a stopped run must not be kept alive).
    (part as unknown as { disconnect(): void }).disconnect();
    await part.writeBatch([{ value: "after" }]);
    await part.close?.();
    expect((await readAll([topic])).map((m) => m.value?.toString())).toEqual(["before", "after"]);
  });

  it("fails the run with a clear error for a message without a topic", async () => {
    const err = await write([{ value: "x" }], new KafkaSink({ brokers: brokers() })).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StepError);
    expect((err as StepError).stepId).toBe("write.out");
    expect((err as StepError).message).toContain("message 0 of the batch has no topic and the sink has no default `topic`");
  });

  it("fails the run with a ConnectorError when the brokers refuse the messages (a topic that does not exist: not retried)", async () => {
    const topic = await topics.create("sink-default", 1);
    const missing = uniqueTopic("sink-missing");
    const sink = new KafkaSink({
      brokers: brokers(),
      topic,
      timeout: 2000,
      producerConfig: { allowAutoTopicCreation: false, retry: { retries: 1, initialRetryTime: 50, maxRetryTime: 200 } },
      clientConfig: { logLevel: 0 },
    });
    const started = Date.now();
    const err = await write([{ topic: missing, value: "x" }], sink).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StepError);
    expect((err as StepError).cause).toBeInstanceOf(ConnectorError);
    expect((err as StepError).message).toContain(`could not send 1 message to ${missing}`);
    // Not retried for outageTimeout (60 s).
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it("fails the run before any item is read when its default topic does not exist", async () => {
    const missing = uniqueTopic("sink-missing");
    let read = 0;
    const flow = new Dataflow("write");
    flow
      .input("in", new TestingSource([{ value: "x" }]))
      .map("count", (m: Out) => {
        read++;
        return m;
      })
      .output("out", new KafkaSink({ brokers: brokers(), topic: missing }));
    const err = await runMain(flow).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StepError);
    expect((err as StepError).stepId).toBe("write.out");
    expect((err as StepError).cause).toBeInstanceOf(ConnectorError);
    expect((err as StepError).message).toContain(`KafkaSink in step 'write.out': topic '${missing}' does not exist`);
    expect(read).toBe(0);
  });

  it("rejects invalid options with a BuildError", () => {
    expect(() => new KafkaSink({ brokers: [] })).toThrow(BuildError);
    expect(() => new KafkaSink({ brokers: ["h:1"], topic: "" })).toThrow(/topic/);
    expect(() => new KafkaSink({ brokers: ["h:1"], acks: 2 as never })).toThrow(/acks/);
    for (const bad of [0, -5, Number.NaN, Infinity, "1s"]) {
      expect(() => new KafkaSink({ brokers: ["h:1"], outageTimeout: bad as never })).toThrow(/^KafkaSink `outageTimeout` must be a number of ms > 0; got /);
    }
  });
});

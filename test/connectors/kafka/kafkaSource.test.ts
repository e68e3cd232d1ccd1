import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, describe, expect, expectTypeOf, it, vi } from "vitest";
import { BuildError, ConnectorError, Dataflow, RecoveryConfig, StepError, initDbDir } from "../../../src/index.js";
import { pollNextBatch, runMain, TestingSink } from "../../../src/testing/index.js";
import {
  KafkaSource,
  type KafkaSourceError,
  type KafkaSourceItem,
  type KafkaSourceMessage,
} from "../../../src/connectors/kafka/index.js";
import { brokers, byPartition, TestTopics, uniqueTopic } from "./helpers.js";

type Msg = KafkaSourceMessage<Buffer | null, Buffer | null>;

const topics = new TestTopics();
afterAll(() => topics.cleanup());

/** `count` messages for each of `partitions` partitions: key `k<p>-<i>`, value `v<p>-<i>`. */
function messagesFor(partitions: number, count: number, from = 0) {
  const out = [];
  for (let p = 0; p < partitions; p++) {
    for (let i = from; i < from + count; i++) out.push({ partition: p, key: `k${p}-${i}`, value: `v${p}-${i}`, headers: { n: String(i) } });
  }
  return out;
}

/** Read a partition until it ends (`tail: false`), collecting every item, then close it. */
async function drain<X>(part: { nextBatch(): Iterable<X> | null | Promise<Iterable<X> | null>; close?(): void | Promise<void> }): Promise<X[]> {
  const out: X[] = [];
  while (true) {
    const batch = await pollNextBatch(part, 10_000);
    if (batch === null) break;
    out.push(...batch);
  }
  await part.close?.();
  return out;
}

/** A client that cannot connect (nothing listens on port 1). */
const deadClient = (): Kafka => new Kafka({ brokers: ["127.0.0.1:1"], logLevel: logLevel.NOTHING, connectionTimeout: 300, retry: { retries: 0 } });

describe("KafkaSource", () => {
  let a: string;
  let b: string;
  let before: number;

  beforeAll(async () => {
    [a, b] = await Promise.all([topics.create("two-a", 3), topics.create("two-b", 3)]);
    before = Date.now() - 1000;
    await Promise.all([topics.produce(a, messagesFor(3, 40)), topics.produce(b, messagesFor(3, 25))]);
  });

  it("reads 2 topics x 3 partitions to their end offsets with tail: false, in order, with every field", async () => {
    const source = new KafkaSource({ brokers: brokers(), topics: [a, b], tail: false, batchSize: 7 });
    expect(await source.listParts()).toEqual([`${a}-0`, `${a}-1`, `${a}-2`, `${b}-0`, `${b}-1`, `${b}-2`]);
    const out: Msg[] = [];
    const flow = new Dataflow("two_topics");
    flow.input("in", source).output("out", new TestingSink(out));
    await runMain(flow, { epochInterval: 0 });

    expect(out).toHaveLength(3 * 40 + 3 * 25);
    const parts = byPartition(out);
    expect([...parts.keys()].sort()).toEqual(await source.listParts());
    for (const [name, msgs] of parts) {
      const n = name.startsWith(a) ? 40 : 25;
      const p = msgs[0].partition;
      expect(msgs.map((m) => m.offset)).toEqual([...Array(n).keys()]);
      expect(msgs.map((m) => m.key?.toString())).toEqual([...Array(n).keys()].map((i) => `k${p}-${i}`));
      expect(msgs.map((m) => m.value?.toString())).toEqual([...Array(n).keys()].map((i) => `v${p}-${i}`));
    }
    const first = parts.get(`${b}-2`)![3];
    expect(first).toMatchObject({ topic: b, partition: 2, offset: 3, headers: { n: Buffer.from("3") } });
    expect(first.timestamp).toBeInstanceOf(Date);
    expect(first.timestamp.getTime()).toBeGreaterThanOrEqual(before);
    expect(first.timestamp.getTime()).toBeLessThanOrEqual(Date.now());
  });

  it("resumes a partition from its snapshot: the next message, nothing skipped, nothing repeated", async () => {
    const options = { brokers: brokers(), topics: [a], tail: false, batchSize: 6 };
    const part = await new KafkaSource(options).buildPart("t.in", `${a}-1`, undefined);
    expect(part.snapshot()).toBe(0);
    const first = (await pollNextBatch(part, 10_000)) as Msg[];
    const last = first[first.length - 1];
    expect(first.map((m) => m.offset)).toEqual([...Array(first.length).keys()]);
    expect(part.snapshot()).toBe(last.offset + 1);
    const snapshot = part.snapshot();
    // Abandon the partition (a crash), then resume a new source from the snapshot.
    await part.close?.();
    const resumed = await new KafkaSource(options).buildPart("t.in", `${a}-1`, snapshot);
    expect(resumed.snapshot()).toBe(snapshot);
    const rest = (await drain(resumed)) as Msg[];
    expect(rest.map((m) => m.offset)).toEqual([...Array(40 - snapshot).keys()].map((i) => snapshot + i));
    expect(rest[0].value?.toString()).toBe(`v1-${snapshot}`);
    expect(resumed.snapshot()).toBe(40);
  });

  it("resumes a flow from its recovery directory: a second run reads only the new messages", async () => {
    const topic = await topics.create("resume", 2);
    await topics.produce(topic, messagesFor(2, 10));
    const dir = mkdtempSync(join(tmpdir(), "sluice-kafka-rec-"));
    try {
      initDbDir(dir, 2);
      const run = async (): Promise<Msg[]> => {
        const out: Msg[] = [];
        const flow = new Dataflow("resume");
        flow.input("in", new KafkaSource({ brokers: brokers(), topics: [topic], tail: false, batchSize: 4 })).output("out", new TestingSink(out));
        await runMain(flow, { epochInterval: 0, recovery: new RecoveryConfig(dir) });
        return out;
      };
      expect((await run()).map((m) => m.value?.toString()).sort()).toEqual(messagesFor(2, 10).map((m) => m.value).sort());
      await topics.produce(topic, messagesFor(2, 3, 10));
      const second = await run();
      expect(second.map((m) => `${m.partition}@${m.offset}`).sort()).toEqual(["0@10", "0@11", "0@12", "1@10", "1@11", "1@12"]);
      expect(await run()).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("starts at startingOffset: a number, or latest", async () => {
    const fromFive = await new KafkaSource({ brokers: brokers(), topics: [b], tail: false, startingOffset: 5 }).buildPart("t.in", `${b}-0`, undefined);
    expect(((await drain(fromFive)) as Msg[]).map((m) => m.offset)).toEqual([...Array(20).keys()].map((i) => i + 5));

    const latest = await new KafkaSource({ brokers: brokers(), topics: [b], startingOffset: "latest" }).buildPart("t.in", `${b}-2`, undefined);
    expect(latest.snapshot()).toBe(25);
    expect(await latest.nextBatch()).toEqual([]);
    await topics.produce(b, [{ partition: 2, key: "late", value: "new" }]);
    const got = (await pollNextBatch(latest, 10_000)) as Msg[];
    expect(got.map((m) => [m.offset, m.value?.toString()])).toEqual([[25, "new"]]);
    await latest.close?.();
  });

  it("a missing topic fails the run with a ConnectorError naming it", async () => {
    const missing = uniqueTopic("missing");
    const flow = new Dataflow("missing");
    flow.input("in", new KafkaSource({ brokers: brokers(), topics: [a, missing] })).output("out", new TestingSink([]));
    const err = await runMain(flow).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StepError);
    expect((err as StepError).stepId).toBe("missing.in");
    expect((err as StepError).message).toContain(`topic '${missing}' does not exist`);
    expect((err as StepError).cause).toBeInstanceOf(ConnectorError);
  });

  it("a run that fails disconnects its consumer at once (abort), instead of lingering", async () => {
    const name = `fails_${Date.now().toString(36)}`;
    const flow = new Dataflow(name);
    flow
      .input("in", new KafkaSource({ brokers: brokers(), topics: [a] }))
      .map("boom", () => {
        throw new Error("no thanks");
      })
      .output("out", new TestingSink([]));
    await expect(runMain(flow)).rejects.toMatchObject({ stepId: `${name}.boom` });
    const failedAt = Date.now();
    const admin = new Kafka({ brokers: brokers(), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      // The source's consumer group (named after the step) has no member left well before the
      // 10 s after which an unpolled consumer disconnects by itself.
      let members = -1;
      while (Date.now() - failedAt < 5000) {
        const ids = (await admin.listGroups()).groups.map((g) => g.groupId).filter((id) => id.startsWith(`sluice-${name}.in-`));
        expect(ids.length).toBeGreaterThan(0);
        const { groups } = await admin.describeGroups(ids);
        members = groups.reduce((n, g) => n + g.members.length, 0);
        if (members === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(members).toBe(0);
    } finally {
      await admin.disconnect();
    }
  });

  it("stops fetching a partition whose buffer is full (bounded memory), and reads everything in order after", async () => {
    const topic = await topics.create("pause", 1);
    const count = 3000;
    // Small requests, so record batches are small (a fetch returns at least one whole record batch).
    await topics.produce(topic, Array.from({ length: count }, (_, i) => ({ value: `m${i}` })), 10);
    const source = new KafkaSource({
      brokers: brokers(),
      topics: [topic],
      tail: false,
      batchSize: 10,
      bufferSize: 20,
      consumerConfig: { maxBytesPerPartition: 1024 },
    });
    const part = await source.buildPart("t.in", `${topic}-0`, undefined);
    const first = (await pollNextBatch(part, 10_000)) as Msg[];
    expect(first.map((m) => m.offset)).toEqual([...Array(first.length).keys()]);
    // Not polled for a while: the consumer must stop at about bufferSize (+ one 1 KiB fetch).
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const feed = (part as unknown as { feed: { buffered: number; fetched: number } }).feed;
    expect(feed.buffered).toBeGreaterThanOrEqual(20);
    expect(feed.buffered).toBeLessThan(20 + 100);
    expect(feed.fetched).toBeLessThan(count);
    const rest = (await drain(part)) as Msg[];
    expect([...first, ...rest].map((m) => m.offset)).toEqual([...Array(count).keys()]);
  });

  describe("listing partitions", () => {
    it("a missing topic rejects listParts with a ConnectorError naming it", async () => {
      const missing = uniqueTopic("missing");
      const err = await new KafkaSource({ brokers: brokers(), topics: [missing, a] }).listParts().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConnectorError);
      expect((err as ConnectorError).message).toMatch(
        new RegExp(`^KafkaSource: topic '${missing}' does not exist on ${brokers().join(",")} \\(the cluster has \\d+ other topics?\\); create it first$`),
      );
      expect((err as ConnectorError).retriable).toBe(false);
    });

    it("asks with the given client, and says why when it cannot reach the brokers within outageTimeout", async () => {
      const err = await new KafkaSource({ brokers: brokers(), topics: [a], client: deadClient(), outageTimeout: 500 }).listParts().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConnectorError);
      expect((err as ConnectorError).message).toMatch(
        new RegExp(
          `^KafkaSource listing the partitions of '${a}': gave up after retrying for 0\\.\\d s \\(at most 0\\.5 s\\): ` +
            `${brokers().join(",").replaceAll(".", "\\.")} unreachable \\(KafkaJSConnectionError: Connection error: connect ECONNREFUSED 127\\.0\\.0\\.1:1\\)$`,
        ),
      );
      const last = (err as ConnectorError).cause as ConnectorError;
      expect(last.message).toContain(`KafkaSource could not list partitions on ${brokers().join(",")}: KafkaJS`);
      expect((last.cause as Error).name).toMatch(/^KafkaJS/);
    });

    it("gives up an attempt after 30 s (or outageTimeout), retries it, and disconnects each admin client", async () => {
      let disconnects = 0;
      const hanging = {
        admin: () => ({
          connect: () => new Promise<void>(() => {}),
          disconnect: async () => {
            disconnects++;
          },
        }),
        consumer: () => undefined,
        producer: () => undefined,
      } as unknown as Kafka;
      vi.spyOn(process.stderr, "write").mockImplementation(() => true);
      vi.useFakeTimers();
      try {
        let settled: unknown = "pending";
        void new KafkaSource({ brokers: ["10.1.2.3:9092"], topics: ["t1", "t2"], client: hanging, outageTimeout: 5000 }).listParts().then(
          () => (settled = "resolved"),
          (e: unknown) => (settled = e),
        );
        // Attempt 1 times out at 5 s, attempt 2 starts about 0.2 s later and times out 5 s after that.
        await vi.advanceTimersByTimeAsync(9_999);
        expect(settled).toBe("pending");
        expect(disconnects).toBeGreaterThan(0);
        await vi.advanceTimersByTimeAsync(1_000);
        expect(settled).toBeInstanceOf(ConnectorError);
        expect(settled).toMatchObject({
          retriable: false,
          message: expect.stringMatching(
            /^KafkaSource listing the partitions of 't1', 't2': gave up after retrying for 5\.\d s \(at most 5 s\): failed on 10\.1\.2\.3:9092 \(ConnectorError: KafkaSource could not list the partitions of t1, t2 on 10\.1\.2\.3:9092 within 5000 ms\)$/,
          ) as unknown,
          cause: { retriable: true, message: "KafkaSource could not list the partitions of t1, t2 on 10.1.2.3:9092 within 5000 ms" },
        });
        expect(disconnects).toBeGreaterThanOrEqual(2);
      } finally {
        vi.useRealTimers();
        vi.restoreAllMocks();
      }
    });
  });

  describe("when the consumer fails", () => {
    it("with raiseOnErrors (the default), nextBatch throws a ConnectorError once the brokers were unreachable for outageTimeout", async () => {
      const source = new KafkaSource({ brokers: brokers(), topics: [a], startingOffset: 0, client: deadClient(), outageTimeout: 500 });
      const part = await source.buildPart("t.in", `${a}-0`, undefined);
      const started = Date.now();
      const err = await pollNextBatch(part, 10_000).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(Date.now() - started).toBeGreaterThanOrEqual(500);
      expect(err).toBeInstanceOf(ConnectorError);
      expect((err as ConnectorError).message).toMatch(
        new RegExp(`^KafkaSource in step 't\\.in' reading '${a}': gave up after retrying for [\\d.]+ s \\(at most 0\\.5 s\\): ${brokers().join(",").replaceAll(".", "\\.")} unreachable`),
      );
      expect(((err as ConnectorError).cause as ConnectorError).message).toContain("KafkaSource in step 't.in' lost its Kafka consumer");
    });

    it("with raiseOnErrors: false, an error item is emitted on the partition", async () => {
      const source = new KafkaSource({ brokers: brokers(), topics: [a], startingOffset: 0, client: deadClient(), raiseOnErrors: false, outageTimeout: 500 });
      const part = await source.buildPart("t.in", `${a}-2`, undefined);
      const [item] = (await pollNextBatch(part, 10_000)) as KafkaSourceError<Buffer | null, Buffer | null>[];
      expect(item).toMatchObject({ topic: a, partition: 2, message: undefined });
      expect(item.error).toBeInstanceOf(ConnectorError);
      expect(part.snapshot()).toBe(0);
      await part.close?.();
    });
  });

  it("types its items by raiseOnErrors", () => {
    const strict = new KafkaSource({ brokers: ["h:1"], topics: ["t"] });
    const lenient = new KafkaSource({ brokers: ["h:1"], topics: ["t"], raiseOnErrors: false });
    expectTypeOf(strict).toEqualTypeOf<KafkaSource<true>>();
    expectTypeOf<KafkaSourceItem<true>>().toEqualTypeOf<Msg>();
    expectTypeOf(lenient).toEqualTypeOf<KafkaSource<false>>();
    expectTypeOf<KafkaSourceItem<false>>().toEqualTypeOf<Msg | KafkaSourceError<Buffer | null, Buffer | null>>();
  });

  it("rejects invalid options with a BuildError", () => {
    const ok = { brokers: ["127.0.0.1:9092"], topics: ["t"] };
    expect(() => new KafkaSource({ ...ok, brokers: [] })).toThrow(BuildError);
    expect(() => new KafkaSource({ ...ok, brokers: ["no-port"] })).toThrow(/"host:port"/);
    expect(() => new KafkaSource({ ...ok, topics: [] })).toThrow(/topics/);
    expect(() => new KafkaSource({ ...ok, topics: ["t", "t"] })).toThrow(/twice/);
    expect(() => new KafkaSource({ ...ok, startingOffset: -1 })).toThrow(/startingOffset/);
    expect(() => new KafkaSource({ ...ok, batchSize: 0 })).toThrow(/batchSize/);
    expect(() => new KafkaSource({ ...ok, consumerConfig: { groupId: "g" } as never })).toThrow(/groupId/);
    expect(() => new KafkaSource({ ...ok, client: {} as never })).toThrow(/kafkajs Kafka instance/);
    for (const bad of [0, -1, Number.NaN, Infinity, "60000"]) {
      expect(() => new KafkaSource({ ...ok, outageTimeout: bad as never })).toThrow(/^KafkaSource `outageTimeout` must be a number of ms > 0; got /);
    }
    expect(new KafkaSource({ ...ok, outageTimeout: 1 })).toBeInstanceOf(KafkaSource);
  });
});

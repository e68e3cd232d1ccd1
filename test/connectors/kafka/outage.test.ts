/**
 * Broker outages: a real run (`sluice run` in a child process) of
 * KafkaSource -> map -> KafkaSink whose broker is halted in the middle and
 * resumed later. The test starts a broker instance of its own
 * (`KAFKA_INSTANCE=outage-<pid> scripts/kafka.sh start`), so the shared
 * test broker is never taken down.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { Kafka, logLevel, type Admin, type Message } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { initDbDir } from "../../../src/index.js";
import { KafkaSource, type KafkaSourceMessage } from "../../../src/connectors/kafka/index.js";
import { ROOT, start, type Result } from "../../support/cli.js";
import { readAll, TestTopics } from "./helpers.js";

const FLOW = fileURLToPath(new URL("./fixtures/outageFlow.ts", import.meta.url));
const INSTANCE = `outage-${process.pid}`;
const MESSAGES = 20_000;
const PARTITIONS = 3;
const OUTAGE_MS = 20_000;

/** `scripts/kafka.sh <command>` for this file's broker instance; its last line of output. */
async function kafkaSh(command: "start" | "stop" | "halt" | "resume"): Promise<string> {
  const { stdout } = await promisify(execFile)("bash", [join(ROOT, "scripts", "kafka.sh"), command], {
    env: { ...process.env, KAFKA_INSTANCE: INSTANCE },
    timeout: 180_000,
  });
  return stdout.trim().split("\n").pop() ?? "";
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

let broker: string;
let topics: TestTopics;
let admin: Admin;

beforeAll(async () => {
  broker = await kafkaSh("start");
  const client = new Kafka({ brokers: [broker], clientId: "sluice-outage-test", logLevel: logLevel.NOTHING });
  topics = new TestTopics(client);
  admin = client.admin();
  await admin.connect();
}, 180_000);

afterAll(async () => {
  await admin?.disconnect().catch(() => {});
  await kafkaSh("stop");
}, 120_000);

/** `i` for i < MESSAGES, keyed `k<i % 97>`. */
function inputMessages(): Message[] {
  return Array.from({ length: MESSAGES }, (_, i) => ({ key: `k${i % 97}`, value: String(i) }));
}

/** Messages in `topic` (summed over its partitions). */
async function count(topic: string): Promise<number> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.reduce((n, o) => n + Number(o.high), 0);
}

/** Start `sluice run` of the outage flow with recovery. */
function runFlow(work: string, env: Record<string, string>): ReturnType<typeof start> {
  return start(["run", FLOW, "-r", work, "-s", "0.2", "-b", "0"], { env: { KAFKA_BROKERS: broker, ...env } });
}

/** Wait until the output topic holds at least `n` messages, or the run ended. */
async function outputReaches(topic: string, n: number, done: Promise<Result>): Promise<number> {
  let ended = false;
  void done.then(() => (ended = true));
  for (;;) {
    const now = await count(topic);
    if (now >= n || ended) return now;
    await sleep(100);
  }
}

describe("Kafka connectors through a broker outage", () => {
  it.each([
    ["at least once", false],
    ["exactly once with the transactional sink", true],
  ])(
    `a run whose broker is down for ${OUTAGE_MS / 1000} s finishes with every result (%s) and says so in Sluice's log`,
    async (_mode, transactional) => {
      const [input, output] = await Promise.all([topics.create("outage-in", PARTITIONS), topics.create("outage-out", PARTITIONS)]);
      await topics.produce(input, inputMessages(), 2000);
      const work = mkdtempSync(join(tmpdir(), "sluice-kafka-outage-"));
      initDbDir(work, 1);
      const txn: Record<string, string> = transactional ? { OUTAGE_TXN_ID: `outage-${output}` } : {};
      const run = runFlow(work, { OUTAGE_IN: input, OUTAGE_OUT: output, OUTAGE_PACE_MS: "20", ...txn });
      try {
        const before = await outputReaches(output, 1000, run.done);
        expect(before, "the run was still going when the broker was halted").toBeLessThan(MESSAGES);
        const haltedAt = Date.now();
        await kafkaSh("halt");
        await sleep(OUTAGE_MS - (Date.now() - haltedAt));
        const resumedAt = Date.now();
        await kafkaSh("resume");
        const result = await run.done;
        console.log(
          `kafka outage: ${before} results before the halt, broker down ${((resumedAt - haltedAt) / 1000).toFixed(1)} s, ` +
            `back ${((Date.now() - resumedAt) / 1000).toFixed(1)} s before the run ended\n${result.stderr}`,
        );
        // The broker is stopped, not cut off: while it shuts down it may still answer, and a
        // transactional producer's first failure is then its "not the correct coordinator"
        // ("failed on <broker> (...)") rather than a refused connection ("<broker> unreachable (...)").
        expect(result.stderr).toMatch(
          /KafkaS(ink|ource) in step 'kafka_outage\.(in|out)'.*: (127\.0\.0\.1:\d+ unreachable|failed on 127\.0\.0\.1:\d+) \(.*\); retrying for up to 60 s/,
        );
        expect(result.stderr).toContain(`${broker} is back after`);
        expect(result.stderr).not.toMatch(/"logger":"kafkajs"/);
        expect(result.code).toBe(0);

        const out = await readAll([output], { brokers: [broker] });
        const values = new Set(out.map((m) => m.value!.toString()));
        const missing = inputMessages().filter((m) => !values.has(`${m.value as string}:${3 * Number(m.value)}`));
        expect(missing.length, `results missing, e.g. ${missing.slice(0, 5).map((m) => m.value as string).join(", ")}`).toBe(0);
        if (transactional) expect(out.length, "a read_committed reader sees each result once").toBe(MESSAGES);
        else expect(out.length).toBeGreaterThanOrEqual(MESSAGES);
      } finally {
        run.child.kill("SIGKILL");
        rmSync(work, { recursive: true, force: true });
      }
    },
    300_000,
  );

  it(
    `a KafkaSource polled all through a ${OUTAGE_MS / 1000} s outage reads every message once, in order, after restarting its consumer`,
    async () => {
      const topic = await topics.create("source-outage", PARTITIONS);
      // Small record batches, fetched 1 KiB at a time: the consumer is still fetching when the broker goes down.
      await topics.produce(topic, inputMessages(), 60);
      const lines: string[] = [];
      const write = process.stderr.write.bind(process.stderr);
      vi.spyOn(process.stderr, "write").mockImplementation((text: string | Uint8Array) => {
        lines.push(String(text));
        return write(text);
      });
      const source = new KafkaSource({
        brokers: [broker],
        topics: [topic],
        tail: false,
        batchSize: 20,
        bufferSize: 40,
        consumerConfig: { maxBytesPerPartition: 1024 },
      });
      const parts = await Promise.all((await source.listParts()).map((name) => source.buildPart("o.in", name, undefined)));
      const read = new Map<number, number[]>();
      let total = 0;
      let outage: Promise<void> | undefined;
      try {
        for (let open = parts.length; open > 0; ) {
          open = 0;
          for (const part of parts) {
            const batch = part.nextBatch() as KafkaSourceMessage<Buffer | null, Buffer | null>[] | null;
            if (batch === null) continue;
            open++;
            for (const m of batch) {
              const offsets = read.get(m.partition) ?? [];
              offsets.push(m.offset);
              read.set(m.partition, offsets);
            }
            total += batch.length;
          }
          if (outage === undefined && total >= 2000) {
            expect(total).toBeLessThan(MESSAGES);
            outage = (async () => {
              await kafkaSh("halt");
              await sleep(OUTAGE_MS);
              await kafkaSh("resume");
            })();
          }
          await sleep(50);
        }
        await outage;
      } finally {
        vi.restoreAllMocks();
        await Promise.all(parts.map((p) => p.close?.()));
      }
      const stderr = lines.join("");
      expect(stderr).toMatch(new RegExp(`KafkaSource in step 'o\\.in' reading '${topic}': ${broker.replaceAll(".", "\\.")} unreachable \\(.*\\); retrying for up to 60 s`));
      expect(stderr).toMatch(new RegExp(`KafkaSource in step 'o\\.in' reading '${topic}': ${broker.replaceAll(".", "\\.")} is back after`));
      const ends = await topics.highWatermarks(topic);
      for (let p = 0; p < PARTITIONS; p++) expect(read.get(p)).toEqual([...Array(ends[p]).keys()]);
      expect(total).toBe(MESSAGES);
    },
    300_000,
  );

  it(
    "with outageTimeout: 3000, a broker that stays down fails the run with an error naming the broker and the step",
    async () => {
      const [input, output] = await Promise.all([topics.create("timeout-in", PARTITIONS), topics.create("timeout-out", PARTITIONS)]);
      await topics.produce(input, inputMessages(), 2000);
      const work = mkdtempSync(join(tmpdir(), "sluice-kafka-outage-"));
      initDbDir(work, 1);
      const run = runFlow(work, { OUTAGE_IN: input, OUTAGE_OUT: output, OUTAGE_PACE_MS: "20", OUTAGE_TIMEOUT_MS: "3000" });
      try {
        expect(await outputReaches(output, 1000, run.done)).toBeLessThan(MESSAGES);
        await kafkaSh("halt");
        const haltedAt = Date.now();
        const result = await run.done;
        const took = Date.now() - haltedAt;
        console.log(`kafka outage: the run failed ${(took / 1000).toFixed(1)} s after the halt\n${result.stderr}`);
        expect(result.code).toBe(1);
        expect(result.stderr).toMatch(
          new RegExp(`KafkaS(ink|ource) in step 'kafka_outage\\.(in|out)'[^\\n]*gave up after retrying for [\\d.]+ s \\(at most 3 s\\): ${broker.replaceAll(".", "\\.")} unreachable`),
        );
        expect(result.stderr).not.toMatch(/"logger":"kafkajs"/);
        expect(took).toBeLessThan(30_000);
      } finally {
        run.child.kill("SIGKILL");
        rmSync(work, { recursive: true, force: true });
        await kafkaSh("resume");
      }
    },
    300_000,
  );
});

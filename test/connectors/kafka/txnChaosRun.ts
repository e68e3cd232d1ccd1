/**
 * The transactional sink's SIGKILL chaos run (txnChaos.test.ts with kafkajs,
 * confluent.test.ts with Confluent's client): Kafka -> keyed state ->
 * transactional KafkaSink in a child process (fixtures/kafkaFlow.ts) killed
 * `kills` times in the middle of runs (many between an epoch's stored
 * snapshot and its Kafka commit); a read_committed reader of the output
 * finds every result once.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, expect } from "vitest";
import { RecoveryConfig, defaultSerde, initDbDir } from "../../../src/index.js";
import { RecoveryStore } from "../../../src/recovery/store.js";
import type { KafkaTxnSinkState } from "../../../src/connectors/kafka/internal/kafkaTxnSink.js";
import { brokers, keyedInput, readAll, TestTopics, testClient } from "./helpers.js";
import { prng, runFlowProcess, type KillAt, type Outcome } from "../../support/chaos.js";

const FLOW = fileURLToPath(new URL("./fixtures/kafkaFlow.ts", import.meta.url));
const IN_PARTITIONS = 3;
const OUT_PARTITIONS = 2;
const KEYS = 40;

const topics = new TestTopics();
afterAll(() => topics.cleanup());

/** How a chaos run goes: kills, input size, and what the flow's process gets in its environment (E2E_CLIENT…). */
export interface ChaosOptions {
  readonly kills: number;
  readonly perPartition: number;
  readonly env?: Record<string, string>;
}

async function commitWindow(recoveryDir: string, outTopic: string, id: string): Promise<number> {
  const store = RecoveryStore.open(new RecoveryConfig(recoveryDir), 1);
  let states: Map<string, Uint8Array>;
  try {
    states = store.loadStates().get("kafka_e2e.out") ?? new Map<string, Uint8Array>();
  } finally {
    store.close();
  }
  const admin = testClient().admin();
  await admin.connect();
  let uncommitted = 0;
  try {
    for (const [part, bytes] of states) {
      const p = Number(part);
      const [t] = await admin.fetchOffsets({ groupId: `${id}-${p}`, topics: [outTopic] });
      const marker = Number(t.partitions.find((x) => x.partition === p)?.offset ?? -1);
      const state = defaultSerde.deserialize(bytes) as KafkaTxnSinkState;
      uncommitted += state.pending.filter((b) => b.seq > marker).length;
    }
  } finally {
    await admin.disconnect();
  }
  return uncommitted;
}

/** One chaos run: `workersOf(i)` workers in run i. */
export async function chaos(name: string, seed: number, workersOf: (run: number) => number, { kills: KILLS, perPartition: PER_PARTITION, env: extraEnv }: ChaosOptions): Promise<void> {
  const [inTopic, outTopic] = await Promise.all([topics.create(`txn-chaos-in-${name}`, IN_PARTITIONS), topics.create(`txn-chaos-out-${name}`, OUT_PARTITIONS)]);
  const id = `chaos-${outTopic}`;
  const rand = prng(seed);
  const context = `seed ${seed}`;
  // Input: key k<j> always in partition j % 3; the expected output line per (partition, offset).
  const { messages, expected } = keyedInput(rand, IN_PARTITIONS, IN_PARTITIONS * PER_PARTITION, KEYS);
  await topics.produce(inTopic, messages, 500);

  const work = mkdtempSync(join(tmpdir(), "sluice-txn-chaos-"));
  try {
    initDbDir(work, 3);
    const env = { KAFKA_BROKERS: brokers().join(","), E2E_IN: inTopic, E2E_OUT: outTopic, E2E_TXN_ID: id, E2E_PACE_MS: "20", E2E_COMMIT_DELAY_MS: "30", ...extraEnv };
    const run = (workers: number, killAt?: KillAt): Promise<Outcome> =>
      runFlowProcess(FLOW, ["-w", String(workers), "-r", work, "-s", "0.05", "-b", "0"], env, killAt);
    const log: string[] = [];
    let killed = 0;
    let inWindow = 0;
    let midway = 0;
    const written = async (): Promise<number> => (await topics.highWatermarks(outTopic)).reduce((a, b) => a + b, 0);
    let ended = false;
    for (let i = 0; i < KILLS + 10 && killed < KILLS; i++) {
      const workers = workersOf(i);
      const before = await written();
      // Mostly 0-1 s after the run's output grew (a commit of a later epoch may be under way); one run in four at a
      // random time from its start, which may be during start-up or while it finishes what the run before left.
      const ms = Math.floor(rand() * 1000);
      const early = rand() < 0.25;
      const killAt: KillAt = early ? 200 + ms * 2 : { ready: async () => (await written()) > before, ms };
      const at = early ? `${killAt as number} ms after its start` : `${ms} ms after its output grew`;
      const r = await run(workers, killAt);
      const after = await written();
      if (r.signal !== "SIGKILL") {
        // Everything was processed before the kill came: it must have ended cleanly.
        expect(r.code, `${context}\n${log.join("\n")}\n${r.stderr}`).toBe(0);
        log.push(`run ${i + 1} on ${workers} worker(s) ended before its kill ${at}`);
        ended = true;
        break;
      }
      killed++;
      if (after > before) midway++;
      const window = await commitWindow(work, outTopic, id);
      if (window > 0) inWindow++;
      log.push(`run ${i + 1} on ${workers} worker(s) killed ${at}, output offsets ${before} -> ${after}; ${window} stored batch(es) not committed in Kafka`);
    }
    const story = `${context}\n${log.join("\n")}`;
    if (!ended) {
      const last = await run(workersOf(killed));
      expect(last.code, `${story}\n${last.stderr}`).toBe(0);
    }
    expect(killed, story).toBeGreaterThanOrEqual(KILLS);
    expect(inWindow, story).toBeGreaterThanOrEqual(1);
    // Most kills came while the run was writing (not all: a start-up on a busy machine may outlast a kill).
    expect(midway, story).toBeGreaterThanOrEqual(KILLS / 2);

    const out = await readAll([outTopic]);
    const seen = new Map<string, number>();
    for (const m of out) {
      const line = m.value!.toString();
      const src = line.slice(line.lastIndexOf("src=") + 4);
      expect(line, story).toBe(expected.get(src));
      seen.set(src, (seen.get(src) ?? 0) + 1);
    }
    const lost = [...expected.keys()].filter((src) => !seen.has(src));
    const repeated = [...seen].filter(([, n]) => n > 1);
    expect({ lost: lost.slice(0, 10), lostCount: lost.length, repeated: repeated.slice(0, 10), repeatedCount: repeated.length }, story).toEqual({
      lost: [],
      lostCount: 0,
      repeated: [],
      repeatedCount: 0,
    });
    expect(out.length).toBe(expected.size);
    console.log(`kafka txn chaos (${name}): ${killed} kills (${midway} after output was written), ${inWindow} between a stored snapshot and its Kafka commit, ${out.length} results, none lost or repeated`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

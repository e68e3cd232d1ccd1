import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { RecoveryConfig, defaultSerde, initDbDir } from "../../../src/index.js";
import { RecoveryStore } from "../../../src/recovery/store.js";
import { brokers, keyedInput, readAll, TestTopics } from "./helpers.js";
import { prng, runFlowProcess, type Outcome } from "../../support/chaos.js";

const FLOW = fileURLToPath(new URL("./fixtures/kafkaFlow.ts", import.meta.url));
const PARTITIONS = 3;
const PER_PARTITION = 3000;
const KEYS = 30;
const KILLS = 4;

const topics = new TestTopics();
afterAll(() => topics.cleanup());

function runFlow(env: Record<string, string>, recoveryDir: string, killAfterMs?: number): Promise<Outcome> {
  return runFlowProcess(FLOW, ["-r", recoveryDir, "-s", "0.05", "-b", "0"], env, killAfterMs);
}

/** The committed position of each input partition (what a resumed run starts at), by partition number. */
function committedPositions(recoveryDir: string, inTopic: string): number[] {
  const store = RecoveryStore.open(new RecoveryConfig(recoveryDir), 1);
  try {
    const states = store.loadStates().get("kafka_e2e.in") ?? new Map<string, Uint8Array>();
    return [...Array(PARTITIONS).keys()].map((p) => {
      const bytes = states.get(`${inTopic}-${p}`);
      return bytes === undefined ? 0 : (defaultSerde.deserialize(bytes) as number);
    });
  } finally {
    store.close();
  }
}

describe("Kafka -> keyed state -> Kafka with recovery", () => {
  it(`every result reaches the output topic after ${KILLS} SIGKILLs; duplicates only from epochs after the last commit`, async () => {
    const [inTopic, outTopic] = await Promise.all([topics.create("e2e-in", PARTITIONS), topics.create("e2e-out", 1)]);
    const rand = prng(Number(process.env.KAFKA_E2E_SEED ?? 20261121));

    // Input: key k<j> always in partition j % 3; expected output line per (partition, offset).
    const { messages, expected } = keyedInput(rand, PARTITIONS, PARTITIONS * PER_PARTITION, KEYS);
    await topics.produce(inTopic, messages, 500);

    const work = mkdtempSync(join(tmpdir(), "sluice-kafka-e2e-"));
    try {
      initDbDir(work, 2);
      const env = { KAFKA_BROKERS: brokers().join(","), E2E_IN: inTopic, E2E_OUT: outTopic, E2E_PACE_MS: "15" };
      /** Per run: output offsets [from, to), whether killed, committed input positions after it. */
      const runs: { from: number; to: number; killed: boolean; committed: number[] }[] = [];
      let killedMidway = 0;
      for (let i = 0; i < KILLS; i++) {
        const from = (await topics.highWatermarks(outTopic))[0];
        const r = await runFlow(env, work, 1800 + Math.floor(rand() * 1700));
        const to = (await topics.highWatermarks(outTopic))[0];
        if (r.signal !== "SIGKILL") {
          // Everything was processed before the kill came: it must have ended cleanly.
          expect(r.stderr).toBe("");
          expect(r.code).toBe(0);
          runs.push({ from, to, killed: false, committed: [] });
          break;
        }
        runs.push({ from, to, killed: true, committed: committedPositions(work, inTopic) });
        if (to > from && to - from < expected.size) killedMidway++;
      }
      if (runs[runs.length - 1].killed) {
        const from = (await topics.highWatermarks(outTopic))[0];
        const last = await runFlow(env, work);
        expect(last.stderr).toBe("");
        expect(last.code).toBe(0);
        runs.push({ from, to: (await topics.highWatermarks(outTopic))[0], killed: false, committed: [] });
      }
      expect(killedMidway).toBeGreaterThanOrEqual(3);

      const out = await readAll([outTopic]);
      const seen = new Map<string, number[]>(); // src -> indexes of the runs that wrote it
      for (const m of out) {
        const line = m.value!.toString();
        const src = line.slice(line.lastIndexOf("src=") + 4);
        // State is exactly once: a replayed result is the same result.
        expect(line).toBe(expected.get(src));
        const run = runs.findIndex((r) => m.offset >= r.from && m.offset < r.to);
        expect(run).toBeGreaterThanOrEqual(0);
        const list = seen.get(src) ?? [];
        list.push(run);
        seen.set(src, list);
      }
      // Nothing lost.
      expect(seen.size).toBe(expected.size);
      // A result is written again only if a killed run wrote it for an input after that run's last commit.
      let duplicates = 0;
      let allowed = 0;
      for (const [src, runIndexes] of seen) {
        const [p, offset] = src.split(":").map(Number);
        const replayable = runIndexes.filter((i) => runs[i].killed && offset >= runs[i].committed[p]).length;
        expect({ src, writes: runIndexes.length }).toEqual({ src, writes: 1 + replayable });
        duplicates += runIndexes.length - 1;
        allowed += replayable;
      }
      expect(duplicates).toBe(allowed);
      expect(out.length).toBe(expected.size + duplicates);
      console.log(
        `kafka e2e: ${runs.length} runs (${runs.filter((r) => r.killed).length} killed), ${out.length} output messages, ` +
          `${expected.size} results, ${duplicates} duplicates (all after the last commit of a killed run)`,
      );
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }, 90_000);
});

/**
 * Vitest global setup of the Kafka tests: a real broker.
 *
 * With `KAFKA_BROKERS` set (`host:port[,host:port…]`), the tests use that
 * cluster. Otherwise `scripts/kafka.sh start` starts (or reuses) the
 * project's single-node broker; a broker this setup started is stopped at
 * teardown, one that was already running is left alone. The address reaches
 * the tests as `inject("kafkaBrokers")` and `process.env.KAFKA_BROKERS`.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    /** Bootstrap brokers of the test cluster, comma-separated. */
    kafkaBrokers: string;
  }
}

const SCRIPT = fileURLToPath(new URL("../scripts/kafka.sh", import.meta.url));

function kafkaSh(command: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync("bash", [SCRIPT, command], { encoding: "utf8", timeout: 300_000 });
  return { status: r.status, stdout: r.stdout ?? "", stderr: `${r.stderr ?? ""}${r.error ? String(r.error) : ""}` };
}

export default function setup(project: TestProject): (() => void) | undefined {
  const given = process.env.KAFKA_BROKERS?.trim();
  if (given) {
    project.provide("kafkaBrokers", given);
    return undefined;
  }
  const wasRunning = kafkaSh("status").status === 0;
  const started = kafkaSh("start");
  if (started.status !== 0) {
    throw new Error(`kafkaSetup: scripts/kafka.sh start failed (exit ${String(started.status)}):\n${started.stderr.trim()}`);
  }
  const brokers = started.stdout.trim().split("\n").pop()!;
  process.env.KAFKA_BROKERS = brokers;
  project.provide("kafkaBrokers", brokers);
  return () => {
    if (wasRunning) return;
    const stopped = kafkaSh("stop");
    if (stopped.status !== 0) console.warn(`kafkaSetup: scripts/kafka.sh stop failed:\n${stopped.stderr.trim()}`);
  };
}

/**
 * Cluster scale-out: one application of 1, 2 and 3 `sluice run` processes
 * (1 worker each, `--process I/N`) on this machine, through the project's
 * Kafka broker, against a hand-written kafkajs loop and Kafka Streams
 * (exactly_once_v2, 1, 2 and 3 JVMs of one stream thread) doing the same
 * work in the same run.
 *
 * The work: a topic of 6 partitions, keys k0..k999; per input, the key's
 * running count and sum, and one output line `"<key> n=<n> sum=<sum>"` to
 * another topic. Sluice: bench/fixtures/clusterFlow.ts (KafkaSource ->
 * statefulMap -> KafkaSink; an epoch of 1 s is a Kafka transaction per task
 * with the changelog). Loop: bench/fixtures/clusterLoop.mjs (a Map, sends
 * with acks -1, nothing durable but the output). Kafka Streams:
 * bench/kstreams (commit.interval.ms 1000, RocksDB store with changelog).
 *
 * Each run is timed from spawning its processes until a read_committed
 * consumer in this process counted every output line; start-up (module
 * loading, group joins, task restore) is in it. CPU is the processes' own
 * (user + system, /proc/<pid>/stat), the broker's excluded: the machine has
 * 2 cores, so 3 processes and the broker share them, and the per-CPU-second
 * rate is the figure that says what a process does with a core.
 *
 *     npm run bench -- cluster [--quick]
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Kafka, logLevel, Partitioners, type Admin } from "kafkajs";
import { broker } from "./kafka.js";
import { QUICK, rate, type BenchOutput, type Row } from "./lib.js";

const MESSAGES = QUICK ? 30_000 : 600_000;
const PARTITIONS = 6;
const KEYS = 1000;
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const BIN = join(ROOT, "bin", "sluice.js");
const FLOW = fileURLToPath(new URL("./fixtures/clusterFlow.ts", import.meta.url));
const LOOP = fileURLToPath(new URL("./fixtures/clusterLoop.mjs", import.meta.url));
const KSTREAMS = fileURLToPath(new URL("./kstreams/run.sh", import.meta.url));
const KSTREAMS_BUILD = fileURLToPath(new URL("./kstreams/build.sh", import.meta.url));
/** Longest a run may take before the benchmark gives up on it. */
const RUN_TIMEOUT_MS = 600_000;
/** Clock ticks per second of /proc/<pid>/stat. */
const TICKS = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100;

/** User + system CPU of process `pid` so far, all its threads, in ms (0 once it is gone). */
function cpuMsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS;
  } catch {
    return 0;
  }
}

/** A read_committed consumer counting what `topic` holds. */
async function countCommitted(kafka: Kafka, topic: string): Promise<{ count: () => number; stop: () => Promise<void> }> {
  const consumer = kafka.consumer({ groupId: `bench-count-${topic}`, maxWaitTimeInMs: 200 });
  let n = 0;
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({ autoCommit: false, eachBatch: async ({ batch }) => void (n += batch.messages.length) });
  return { count: () => n, stop: () => consumer.disconnect() };
}

interface RunResult {
  wallMs: number;
  /** From spawning until the first committed output line. */
  firstMs: number;
  cpuMs: number;
}

/** Spawn `procs` processes, wait until `out` holds every output line, stop them. */
async function timed(kafka: Kafka, out: string, make: (i: number) => ChildProcess, procs: number): Promise<RunResult> {
  const counter = await countCommitted(kafka, out);
  const started = performance.now();
  const children = Array.from({ length: procs }, (_, i) => make(i));
  const stderr = children.map(() => "");
  children.forEach((c, i) => c.stderr?.on("data", (d: Buffer) => (stderr[i] = (stderr[i] + d.toString()).slice(-4000))));
  const exits = children.map((c) => new Promise<void>((resolve) => c.once("exit", () => resolve())));
  let firstMs = NaN;
  try {
    for (;;) {
      const now = performance.now();
      if (Number.isNaN(firstMs) && counter.count() > 0) firstMs = now - started;
      if (counter.count() >= MESSAGES) break;
      if (now - started > RUN_TIMEOUT_MS) throw new Error(`run of ${procs} process(es) timed out at ${counter.count()} of ${MESSAGES} lines:\n${stderr.join("\n---\n")}`);
      if (children.some((c) => c.exitCode !== null)) throw new Error(`a process ended early:\n${stderr.join("\n---\n")}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const wallMs = performance.now() - started;
    const cpuMs = children.reduce((sum, c) => sum + cpuMsOf(c.pid!), 0);
    return { wallMs, firstMs, cpuMs };
  } finally {
    for (const c of children) c.kill("SIGTERM");
    await Promise.race([Promise.all(exits), new Promise((r) => setTimeout(r, 15_000))]);
    for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
    await counter.stop();
  }
}

async function fill(kafka: Kafka, topic: string): Promise<void> {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  for (let i = 0; i < MESSAGES; i += 20_000) {
    const messages = [];
    for (let j = i; j < Math.min(i + 20_000, MESSAGES); j++) messages.push({ key: `k${j % KEYS}`, value: String(j % 100) });
    await producer.send({ topic, messages, acks: 1 });
  }
  await producer.disconnect();
}

/** Whether the Kafka Streams peer can be built here (a JDK and Maven); builds it. */
function kstreamsReady(): boolean {
  if (!existsSync(KSTREAMS_BUILD)) return false;
  const r = spawnSync("bash", [KSTREAMS_BUILD], { encoding: "utf8" });
  if (r.status !== 0) console.error(`bench/kstreams/build.sh failed, Kafka Streams left out:\n${r.stderr}`);
  return r.status === 0;
}

export async function benchCluster(): Promise<BenchOutput> {
  const { brokers, release } = broker();
  const kafka = new Kafka({ brokers, clientId: "sluice-bench", logLevel: logLevel.ERROR });
  const admin: Admin = kafka.admin();
  await admin.connect();
  const tag = Date.now().toString(36);
  const created: string[] = [];
  const topic = async (name: string, partitions: number): Promise<string> => {
    const t = `sluice-bench-cluster-${name}-${tag}`;
    await admin.createTopics({ topics: [{ topic: t, numPartitions: partitions }], waitForLeaders: true });
    created.push(t);
    return t;
  };
  const env = (out: string): NodeJS.ProcessEnv => ({ ...process.env, KAFKA_BROKERS: brokers.join(","), BENCH_IN: input, BENCH_OUT: out });
  const input = await topic("in", PARTITIONS);
  await fill(kafka, input);
  const results: { impl: string; procs: number; r: RunResult }[] = [];
  const stateDirs: string[] = [];
  try {
    const loopOut = await topic("loop-out", 2);
    results.push({ impl: "loop (kafkajs)", procs: 1, r: await timed(kafka, loopOut, () => spawn(process.execPath, [LOOP], { env: env(loopOut), stdio: ["ignore", "ignore", "pipe"] }), 1) });
    const withKstreams = kstreamsReady();
    for (const procs of [1, 2, 3]) {
      const out = await topic(`sluice-out${procs}`, 2);
      const app = `sluice-bench-app${procs}-${tag}`;
      const args = (i: number): string[] => [BIN, "run", FLOW, "--application-id", app, "--bootstrap-servers", brokers.join(","), "--process", `${i}/${procs}`, "-w", "1", "-s", "1"];
      results.push({ impl: "sluice", procs, r: await timed(kafka, out, (i) => spawn(process.execPath, args(i), { cwd: ROOT, env: env(out), stdio: ["ignore", "ignore", "pipe"] }), procs) });
      if (withKstreams) {
        const kout = await topic(`kstreams-out${procs}`, 2);
        const kapp = `kstreams-bench-app${procs}-${tag}`;
        const dirs = Array.from({ length: procs }, () => mkdtempSync(join(tmpdir(), "sluice-bench-kstreams-")));
        stateDirs.push(...dirs);
        const make = (i: number): ChildProcess => spawn("bash", [KSTREAMS, brokers.join(","), kapp, input, kout, "1000", dirs[i]], { stdio: ["ignore", "ignore", "pipe"] });
        results.push({ impl: "Kafka Streams", procs, r: await timed(kafka, kout, make, procs) });
      }
    }
  } finally {
    const all = await admin.listTopics();
    const mine = all.filter((t) => created.includes(t) || t.includes(`-bench-app`) && t.includes(tag));
    if (mine.length > 0) await admin.deleteTopics({ topics: mine }).catch(() => {});
    await admin.disconnect();
    for (const d of stateDirs) rmSync(d, { recursive: true, force: true });
    release();
  }
  const loop = results[0].r;
  const perCpu = (r: RunResult): number => MESSAGES / (r.cpuMs / 1000);
  const peer = (procs: number): RunResult | undefined => results.find((x) => x.impl === "Kafka Streams" && x.procs === procs)?.r;
  const rows: Row[] = results.map(({ impl, procs, r }) => {
    const k = peer(procs);
    return {
      impl,
      processes: procs,
      items: MESSAGES,
      "wall s": (r.wallMs / 1000).toFixed(2),
      "first out s": (r.firstMs / 1000).toFixed(2),
      "items/s": rate(MESSAGES, r.wallMs),
      "cpu s": (r.cpuMs / 1000).toFixed(2),
      "items/cpu-s": rate(MESSAGES, r.cpuMs),
      "per cpu-s vs loop": `${((perCpu(r) / perCpu(loop)) * 100).toFixed(0)}%`,
      "per cpu-s vs Kafka Streams": impl === "sluice" && k !== undefined ? `${(perCpu(r) / perCpu(k)).toFixed(2)}x` : "",
      "wall vs Kafka Streams": impl === "sluice" && k !== undefined ? `${(k.wallMs / r.wallMs).toFixed(2)}x` : "",
    };
  });
  const sluice = (procs: number): RunResult => results.find((x) => x.impl === "sluice" && x.procs === procs)!.r;
  const notes = [
    `${MESSAGES} inputs over ${PARTITIONS} partitions (${PARTITIONS} tasks), ${KEYS} keys; 1 s epochs (Kafka Streams: commit.interval.ms 1000); wall time includes start-up`,
    `Sluice, items per CPU-second with 1 / 2 / 3 processes: ${[1, 2, 3].map((p) => rate(MESSAGES, sluice(p).cpuMs)).join(" / ")}; ` +
      `wall-clock speed-up of 2 and 3 processes over 1: ${[2, 3].map((p) => (sluice(1).wallMs / sluice(p).wallMs).toFixed(2) + "x").join(" / ")}`,
    "what limits the speed-up here: 2 cores shared by the processes and the broker (the broker's CPU is not counted), and each process pays its own start-up (module loading, consumers joining, restoring its tasks) and its own transactions per task and epoch",
  ];
  return { rows, notes };
}

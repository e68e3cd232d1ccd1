// Several `sluice run` processes of one cluster application, through a real
// broker: Kafka -> keyed running count -> KafkaSink (fixtures/kafkaFlow.ts),
// with real child processes SIGKILLed mid-run. A read_committed reader of the
// output finds every expected result exactly once.
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { afterAll, describe, expect, it } from "vitest";
import { brokers, keyedInput, readAll, TestTopics, testClient } from "../connectors/kafka/helpers.js";
import { prng } from "../support/prng.js";
import { changelogTopic } from "../../src/cluster/internal/topics.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const BIN = join(ROOT, "bin", "sluice.js");
const FLOW = fileURLToPath(new URL("../connectors/kafka/fixtures/kafkaFlow.ts", import.meta.url));
const INGEST_FLOW = fileURLToPath(new URL("./fixtures/ingestFlow.ts", import.meta.url));
const IN_PARTITIONS = 6;
const KEYS = 40;

const topics = new TestTopics();
const children = new Set<ChildProcess>();
afterAll(async () => {
  for (const c of children) c.kill("SIGKILL");
  await topics.cleanup();
});

/** A running `sluice run` process of the application; `exited` settles with its exit code or signal, and stderr. */
interface Proc {
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

/** Start a process of `app`: with `--process I/N` when `assignment` is given, else a member of the application's consumer group. */
function start(app: string, env: Record<string, string>, assignment: string | undefined, workers: number, flow = FLOW, extra: string[] = []): Proc {
  const child = spawn(
    process.execPath,
    [
      BIN,
      "run",
      flow,
      ...extra,
      "--application-id",
      app,
      "--bootstrap-servers",
      brokers().join(","),
      ...(assignment === undefined ? [] : ["--process", assignment]),
      "-w",
      String(workers),
      "-s",
      "0.3",
    ],
    { cwd: ROOT, env: { ...process.env, ...env, SLUICE_LOG: "info" }, stdio: ["ignore", "ignore", "pipe"] },
  );
  children.add(child);
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    child.on("exit", (code, signal) => {
      children.delete(child);
      resolve({ code, signal, stderr });
    }),
  );
  return { child, exited };
}

/** Committed output lines, by the input (`partition:offset`) they came from. */
async function committed(outTopic: string): Promise<Map<string, string[]>> {
  const bySource = new Map<string, string[]>();
  for (const m of await readAll([outTopic])) {
    const line = m.value!.toString();
    const src = line.slice(line.indexOf("src=") + 4);
    const list = bySource.get(src) ?? [];
    list.push(line);
    bySource.set(src, list);
  }
  return bySource;
}

/** Messages in `topic` (committed or not, markers included): how far the run got. */
async function written(topic: string): Promise<number> {
  return (await topics.highWatermarks(topic)).reduce((a, b) => a + b, 0);
}

async function waitFor(what: string, test: () => Promise<boolean>, ms: number, procs: () => Proc[]): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    if (await test()) return;
    if (Date.now() > until) {
      const logs = await Promise.all(procs().map((p) => Promise.race([p.exited.then((e) => e.stderr), new Promise<string>((r) => setTimeout(() => r("(running)"), 10))])));
      throw new Error(`timed out waiting for ${what}; processes: ${logs.join("\n---\n")}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Stop `procs` with SIGTERM and wait for them: each must exit as a stopped run does (143). */
async function stopAll(procs: Proc[]): Promise<string[]> {
  for (const p of procs) p.child.kill("SIGTERM");
  const ends = await Promise.all(procs.map((p) => p.exited));
  for (const e of ends) expect(e.code, e.stderr).toBe(143);
  return ends.map((e) => e.stderr);
}

/** Wait until `outTopic` holds as many committed results as `expected`, then stop `procs` as {@link stopAll} does; their stderr. */
async function allCommitted(procs: Proc[], outTopic: string, expected: Map<string, string>): Promise<string[]> {
  await waitFor("every result committed", async () => (await committed(outTopic)).size >= expected.size, 150_000, () => procs);
  return stopAll(procs);
}

/** Every expected line exactly once, and nothing else. */
function checkOutput(got: Map<string, string[]>, expected: Map<string, string>): void {
  const repeated = [...got].filter(([, lines]) => lines.length > 1);
  expect(repeated.slice(0, 3), "results written more than once").toEqual([]);
  const missing = [...expected.keys()].filter((src) => !got.has(src));
  expect(missing.slice(0, 3), `${missing.length} results missing`).toEqual([]);
  const wrong = [...got].filter(([src, lines]) => expected.get(src) !== lines[0]).map(([src, lines]) => `${lines[0]} (expected ${expected.get(src)})`);
  expect(wrong.slice(0, 3), "results with a wrong count").toEqual([]);
  expect(got.size).toBe(expected.size);
}

async function setUp(name: string, seed: number, perPartition: number): Promise<{ app: string; outTopic: string; env: Record<string, string>; expected: Map<string, string> }> {
  const [inTopic, outTopic] = await Promise.all([topics.create(`cluster-in-${name}`, IN_PARTITIONS), topics.create(`cluster-out-${name}`, 2)]);
  const { messages, expected } = keyedInput(prng(seed), IN_PARTITIONS, IN_PARTITIONS * perPartition, KEYS);
  await topics.produce(inTopic, messages, 500);
  const app = `app-${outTopic}`;
  return { app, outTopic, env: { KAFKA_BROKERS: brokers().join(","), E2E_IN: inTopic, E2E_OUT: outTopic, E2E_PACE_MS: "25" }, expected };
}

/** Delete the topics the application created. */
async function dropApplication(app: string): Promise<void> {
  const admin = testClient().admin();
  await admin.connect();
  try {
    const mine = (await admin.listTopics()).filter((t) => t.startsWith(`${app}-`));
    if (mine.length > 0) await admin.deleteTopics({ topics: mine });
  } finally {
    await admin.disconnect();
  }
}

describe("a cluster application sharing its tasks through the consumer group", () => {
  it("three processes of 2 workers, one SIGKILLed mid-run and restarted: every result exactly once", async () => {
    const { app, outTopic, env, expected } = await setUp("group-kill", 2026120711, 2500);
    const procs = [0, 1, 2].map(() => start(app, env, undefined, 2));
    await waitFor("a quarter of the output", async () => (await written(outTopic)) >= expected.size / 4, 90_000, () => procs);
    procs[1].child.kill("SIGKILL");
    expect((await procs[1].exited).signal).toBe("SIGKILL");
    expect((await committed(outTopic)).size).toBeLessThan(expected.size);
    procs[1] = start(app, env, undefined, 2);
    const logs = await allCommitted(procs, outTopic, expected);
    // Each process was given tasks by the group, and tasks resumed from their changelog after moving.
    for (const log of logs) expect(log).toMatch(/tasks [\d,]+ of 6 are this process's/);
    expect(logs.join("\n")).toMatch(/task \d running \(restored [1-9]\d* changelog records\)/);
    checkOutput(await committed(outTopic), expected);
    // A process started with another task count fails before it creates or changes anything.
    const admin = testClient().admin();
    await admin.connect();
    try {
      await admin.deleteTopics({ topics: [`${app}-tasks`] });
      const wrong = await start(app, env, undefined, 1, FLOW, ["--partitions", "12"]).exited;
      expect(wrong.code, wrong.stderr).toBe(1);
      expect(wrong.stderr).toMatch(/topic '.*' has 6 partitions, but the application has 12 tasks/);
      expect(await admin.listTopics()).not.toContain(`${app}-tasks`);
    } finally {
      await admin.disconnect();
    }
    await dropApplication(app);
  }, 300_000);

  it("a run started with one process and joined by a second mid-stream: the same output, the tasks shared", async () => {
    const { app, outTopic, env, expected } = await setUp("group-join", 2026120712, 2500);
    const procs = [start(app, env, undefined, 1)];
    await waitFor("a quarter of the output", async () => (await written(outTopic)) >= expected.size / 4, 90_000, () => procs);
    expect((await committed(outTopic)).size).toBeLessThan(expected.size);
    procs.push(start(app, env, undefined, 1));
    const logs = await allCommitted(procs, outTopic, expected);
    // The first ran all 6 tasks, then gave some to the second.
    expect(logs[0]).toMatch(/tasks 0,1,2,3,4,5 of 6 are this process's/);
    expect(logs[1]).toMatch(/tasks \d[\d,]* of 6 are this process's/);
    expect(logs[1]).toMatch(/task \d running/);
    checkOutput(await committed(outTopic), expected);
    await dropApplication(app);
  }, 300_000);
});

describe("a cluster application with a static assignment (--process I/N)", () => {
  it("three processes of 2 workers, one SIGKILLed mid-run and restarted: every result exactly once", async () => {
    const { app, outTopic, env, expected } = await setUp("kill", 2026120701, 1500);
    const procs = [0, 1, 2].map((i) => start(app, env, `${i}/3`, 2));
    // Killed once it has committed some of its output, well before the end.
    await waitFor("a quarter of the output", async () => (await written(outTopic)) >= expected.size / 4, 90_000, () => procs);
    procs[1].child.kill("SIGKILL");
    const killed = await procs[1].exited;
    expect(killed.signal).toBe("SIGKILL");
    expect((await committed(outTopic)).size).toBeLessThan(expected.size);
    procs[1] = start(app, env, "1/3", 2);
    const logs = await allCommitted(procs, outTopic, expected);
    // The restarted process resumed its tasks from their changelog.
    expect(logs[1]).toMatch(/task 1 running \(restored [1-9]\d* changelog records\)/);
    checkOutput(await committed(outTopic), expected);
    // State and positions live in the compacted changelog, one partition per task.
    const meta = await testClient().admin();
    await meta.connect();
    const [changelog] = (await meta.fetchTopicMetadata({ topics: [changelogTopic(app)] })).topics;
    await meta.disconnect();
    expect(changelog.partitions.length).toBe(IN_PARTITIONS);
    await dropApplication(app);
  }, 240_000);

  it("started as one process, killed mid-stream and continued by two: the same output", async () => {
    const { app, outTopic, env, expected } = await setUp("scale", 2026120702, 1000);
    const one = start(app, env, "0/1", 1);
    await waitFor("a third of the output", async () => (await written(outTopic)) >= expected.size / 3, 90_000, () => [one]);
    one.child.kill("SIGKILL");
    await one.exited;
    const two = [start(app, env, "0/2", 1), start(app, env, "1/2", 1)];
    const logs = await allCommitted(two, outTopic, expected);
    expect(logs[0]).toMatch(/tasks 0,2,4 of 6/);
    expect(logs[1]).toMatch(/tasks 1,3,5 of 6/);
    checkOutput(await committed(outTopic), expected);
    await dropApplication(app);
  }, 240_000);

  it("a second process started with the same number fences the first: its tasks are given up there, never run twice", async () => {
    const { app, outTopic, env, expected } = await setUp("fence", 2026120703, 600);
    const first = start(app, env, "0/1", 1);
    await waitFor("some output", async () => (await written(outTopic)) > 0, 90_000, () => [first]);
    const second = start(app, env, "0/1", 1);
    // Every task of the first is fenced at its next commit: it gives them all up and its run ends.
    const firstEnd = await first.exited;
    expect(firstEnd.code, firstEnd.stderr).toBe(0);
    expect(firstEnd.stderr).toMatch(/task \d was taken over by another process/);
    await allCommitted([second], outTopic, expected);
    checkOutput(await committed(outTopic), expected);
    await dropApplication(app);
  }, 240_000);
});

describe("a task's local cache (--state-dir)", () => {
  it("a process started again where it ran reads only the end of its changelog, and the output stays exactly once", async () => {
    const { app, outTopic, env, expected } = await setUp("cache", 2026120731, 1500);
    const dir = mkdtempSync(join(tmpdir(), "sluice-cluster-cache-"));
    try {
      const first = start(app, env, "0/1", 2, FLOW, ["--state-dir", dir]);
      await waitFor("half of the output", async () => (await written(outTopic)) >= expected.size / 2, 90_000, () => [first]);
      first.child.kill("SIGKILL");
      await first.exited;
      expect((await committed(outTopic)).size).toBeLessThan(expected.size);
      const again = start(app, env, "0/1", 2, FLOW, ["--state-dir", dir]);
      const [log] = await allCommitted([again], outTopic, expected);
      // Each of the 6 tasks found its states in the cache, and read at most a couple of epochs of changelog beyond it.
      const starts = [...log.matchAll(/task (\d) running \(restored (\d+) changelog records, (\d+) states from the local cache\)/g)];
      expect(starts.map((m) => Number(m[1])).sort()).toEqual([0, 1, 2, 3, 4, 5]);
      const cachedStates = starts.reduce((n, m) => n + Number(m[3]), 0);
      const read = starts.reduce((n, m) => n + Number(m[2]), 0);
      expect(cachedStates).toBeGreaterThan(KEYS);
      expect(read).toBeLessThan(cachedStates);
      checkOutput(await committed(outTopic), expected);
      await dropApplication(app);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 240_000);
});

describe("a cluster application whose input is not Kafka", () => {
  it("a file read by task 0 only, its keys shared by every task: every result exactly once, the ingesting process SIGKILLed and restarted", async () => {
    const outTopic = await topics.create("cluster-ingest-out", 2);
    const dir = mkdtempSync(join(tmpdir(), "sluice-cluster-ingest-"));
    try {
      const rand = prng(2026120721);
      const totals = new Map<string, { n: number; sum: number }>();
      const expected = new Map<string, string>();
      const lines: string[] = [];
      for (let i = 0; i < 3000; i++) {
        const key = `k${Math.floor(rand() * KEYS)}`;
        const amount = Math.floor(rand() * 100);
        const t = totals.get(key) ?? { n: 0, sum: 0 };
        t.n++;
        t.sum += amount;
        totals.set(key, t);
        expected.set(String(i), `${key} n=${t.n} sum=${t.sum} src=${i}`);
        lines.push(`${key} ${amount} ${i}`);
      }
      const file = join(dir, "input.txt");
      writeFileSync(file, `${lines.join("\n")}\n`);
      const app = `app-${outTopic}`;
      const env = { KAFKA_BROKERS: brokers().join(","), INGEST_FILE: file, E2E_OUT: outTopic, E2E_PACE_MS: "20" };
      // No Kafka input tells the task count: --partitions does. Process 0 runs task 0, which reads the file.
      const procs = [0, 1].map((i) => start(app, env, `${i}/2`, 1, INGEST_FLOW, ["--partitions", "4"]));
      await waitFor("a quarter of the output", async () => (await written(outTopic)) >= expected.size / 4, 90_000, () => procs);
      procs[0].child.kill("SIGKILL");
      await procs[0].exited;
      expect((await committed(outTopic)).size).toBeLessThan(expected.size);
      procs[0] = start(app, env, "0/2", 1, INGEST_FLOW, ["--partitions", "4"]);
      const logs = await allCommitted(procs, outTopic, expected);
      expect(logs[0]).toMatch(/tasks 0,2 of 4/);
      expect(logs[1]).toMatch(/tasks 1,3 of 4/);
      checkOutput(await committed(outTopic), expected);
      await dropApplication(app);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 240_000);
});

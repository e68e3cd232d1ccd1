/**
 * `npm run bench [-- <name>...] [--quick] [--no-bytewax]`: run the
 * benchmarks and print their tables. `--quick` uses tiny inputs and one
 * repetition (CI checks that it runs) and skips Bytewax when its venv is
 * missing. A full run of every benchmark also writes
 * `bench/results/<date>.json` and regenerates `docs/performance.md` (so
 * does `--report` with a subset; `--merge` with a subset keeps the other
 * sections of the newest recorded results). `--render <json>` only regenerates
 * `docs/performance.md` from recorded results.
 */
import { loadavg } from "node:os";
import { QUICK, table, type BenchOutput } from "./lib.js";
import { benchW0 } from "./w0.js";
import { benchW1 } from "./w1.js";
import { benchW2 } from "./w2.js";
import { benchW3 } from "./w3.js";
import { benchW4 } from "./w4.js";
import { benchRecovery } from "./recovery.js";
import { benchScale } from "./scale.js";
import { benchWorkers } from "./workers.js";
import { benchExchange } from "./exchange.js";
import { benchKafka } from "./kafka.js";
import { benchCluster } from "./cluster.js";
import { benchMetrics } from "./metrics.js";
import { benchFunctions } from "./functions.js";
import { benchPressure } from "./pressure.js";
import { benchNexmark } from "./nexmark.js";
import { LOAD_AT_START, renderReport, writeReport, type BenchRecord } from "./report.js";

const BENCHES: Record<string, { title: string; run: () => Promise<BenchOutput> }> = {
  w1: { title: "W1 per-item overhead", run: benchW1 },
  w2: { title: "W2 word count", run: benchW2 },
  w3: { title: "W3 keyed aggregate", run: benchW3 },
  w4: { title: "W4 windows", run: benchW4 },
  recovery: { title: "W5 recovery", run: benchRecovery },
  scale: { title: "Recovery at scale", run: benchScale },
  w0: { title: "W0 idle", run: benchW0 },
  workers: { title: "Workers", run: benchWorkers },
  exchange: { title: "Exchange serde against structured clone", run: benchExchange },
  metrics: { title: "Metrics cost", run: benchMetrics },
  functions: { title: "Stateful functions", run: benchFunctions },
  pressure: { title: "Memory under a slow sink", run: benchPressure },
  nexmark: { title: "Nexmark", run: benchNexmark },
};

/** Run only when named (`npm run bench -- kafka`): they start a Kafka broker. */
const ON_REQUEST: typeof BENCHES = {
  kafka: { title: "Kafka in -> null, Kafka in -> map -> Kafka out", run: async () => ({ rows: await benchKafka() }) },
  cluster: { title: "Cluster: 1, 2 and 3 processes through Kafka", run: benchCluster },
};

const renderAt = process.argv.indexOf("--render");
if (renderAt >= 0) {
  // `--render bench/results/<date>.json`: regenerate docs/performance.md from recorded results.
  const path = process.argv[renderAt + 1];
  if (path === undefined) {
    console.error("--render needs the path of a results JSON");
    process.exit(2);
  }
  console.log(`wrote ${renderReport(path)} from ${path}`);
  process.exit(0);
}
const wanted = process.argv.slice(2).filter((a) => !a.startsWith("--"));
for (const name of wanted) {
  if (BENCHES[name] === undefined && ON_REQUEST[name] !== undefined) BENCHES[name] = ON_REQUEST[name];
  if (BENCHES[name] === undefined) {
    console.error(`unknown benchmark '${name}'; known: ${Object.keys(BENCHES).join(", ")}`);
    process.exit(2);
  }
}
const started = new Date();
console.log(`load average (1, 5, 15 min): ${LOAD_AT_START.map((x) => x.toFixed(2)).join(", ")}`);
if (QUICK) console.log("quick run: tiny inputs, one repetition; it checks that the benchmarks run, its numbers mean nothing");
const records: BenchRecord[] = [];
for (const name of wanted.length > 0 ? wanted : Object.keys(BENCHES)) {
  const { title, run } = BENCHES[name];
  console.log(`\n## ${title} (${name})\n`);
  const t0 = Date.now();
  const load0 = loadavg();
  const out = await run();
  console.log(table(out.rows));
  for (const t of out.targets ?? []) console.log(`${t.met ? "met   " : "MISSED"}  ${t.target}: ${t.measured}`);
  for (const n of out.notes ?? []) console.log(`note: ${n}`);
  records.push({ name, title, seconds: Math.round((Date.now() - t0) / 1000), startedAt: new Date(t0).toISOString(), load: load0, node: process.version, ...out });
}
console.log(`\nbenchmarks took ${Math.round((Date.now() - started.getTime()) / 1000)} s`);
const merge = process.argv.includes("--merge") && !QUICK;
if ((!QUICK && wanted.length === 0) || process.argv.includes("--report") || merge) {
  const { json, markdown } = writeReport(started, records, { merge });
  console.log(`wrote ${json} and ${markdown}`);
}

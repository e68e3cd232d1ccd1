/**
 * Throughput cost of recovery: a keyed aggregate (min/max/sum/count per
 * station, like W3) over 10,000 keys, with recovery off and on at snapshot
 * intervals of 0.1, 1 and 10 s.
 *
 *     npm run bench -- recovery [--quick]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Dataflow, RecoveryConfig, initDbDir, runMain } from "../src/index.js";
import { TestingSink, TestingSource } from "../src/testing/index.js";
import { QUICK, median, rate, table, type Measure } from "./lib.js";

const ROWS = QUICK ? 200_000 : 5_000_000;
const KEYS = 10_000;
const REPS = QUICK ? 1 : 3;

interface Agg {
  min: number;
  max: number;
  sum: number;
  count: number;
}

function makeRows(): string[] {
  const rows = new Array<string>(ROWS);
  let seed = 42;
  for (let i = 0; i < ROWS; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    rows[i] = `station${seed % KEYS};${((seed >>> 8) % 1000) / 10}`;
  }
  return rows;
}

function flowFor(rows: string[], out: unknown[]): Dataflow {
  const flow = new Dataflow("w3");
  flow
    .input("rows", new TestingSource(rows, 1000))
    .map("parse", (row) => {
      const i = row.indexOf(";");
      return [row.slice(0, i), Number(row.slice(i + 1))] as const;
    })
    .statefulMap("agg", (s: Agg | undefined, t: number): readonly [Agg, number] => {
      if (s === undefined) return [{ min: t, max: t, sum: t, count: 1 }, t];
      if (t < s.min) s.min = t;
      if (t > s.max) s.max = t;
      s.sum += t;
      s.count++;
      return [s, s.sum / s.count];
    })
    .filter("none", () => false)
    .output("out", new TestingSink(out));
  return flow;
}

export async function benchRecovery(): Promise<Record<string, string | number>[]> {
  const rows = makeRows();
  const results: { label: string; m: Measure }[] = [];
  // Warm up the JIT so the first configuration is not penalised.
  await runMain(flowFor(rows.slice(0, Math.min(ROWS, 500_000)), []), { epochInterval: 1000 });
  const off = await median(REPS, () => runMain(flowFor(rows, []), { epochInterval: 1000 }));
  results.push({ label: "off", m: off });
  for (const seconds of [0.1, 1, 10]) {
    const m = await median(REPS, async () => {
      const dir = mkdtempSync(join(tmpdir(), "sluice-bench-rec-"));
      initDbDir(dir, 4);
      try {
        await runMain(flowFor(rows, []), { epochInterval: seconds * 1000, recovery: new RecoveryConfig(dir) });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
    results.push({ label: `on, ${seconds} s`, m });
  }
  return results.map(({ label, m }) => ({
    recovery: label,
    rows: ROWS,
    keys: KEYS,
    "items/s": rate(ROWS, m.wallMs),
    "ns/item": Math.round((m.wallMs * 1e6) / ROWS),
    "cpu s": (m.cpuMs / 1000).toFixed(2),
    "peak RSS MiB": Math.round(m.peakRss / 2 ** 20),
    "vs off": `${((off.wallMs / m.wallMs) * 100).toFixed(1)}%`,
  }));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(table(await benchRecovery()));
}

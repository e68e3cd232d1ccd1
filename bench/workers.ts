/**
 * Speed-up of 2 workers over 1 on a CPU-bound keyed flow, and the cost of
 * the exchange per item (keyed items crossing worker threads).
 *
 *     npm run bench -- workers [--quick]
 *
 * Runs the built package (dist/), as `sluice run -w N` does.
 */
import { fileURLToPath } from "node:url";
import { cliMain } from "../dist/index.js";
import { QUICK, median, rate, type Measure } from "./lib.js";

const ITEMS = QUICK ? 100_000 : 2_000_000;
const REPS = QUICK ? 1 : 3;
const FLOW = fileURLToPath(new URL("./fixtures/workersFlow.ts", import.meta.url));

async function run(exportName: string, workers: number): Promise<Measure> {
  process.env.BENCH_ITEMS = String(ITEMS);
  return median(REPS, () => cliMain(FLOW, exportName, { workers, epochInterval: 1000 }));
}

export async function benchWorkers(): Promise<Record<string, string | number>[]> {
  await run("exchangeOnly", 1); // warm up the file system cache and tsx's transform cache
  const rows: Record<string, string | number>[] = [];
  for (const flow of ["cpuBound", "exchangeOnly"]) {
    const one = await run(flow, 1);
    const two = await run(flow, 2);
    rows.push({
      flow,
      items: ITEMS,
      "1 worker items/s": rate(ITEMS, one.wallMs),
      "2 workers items/s": rate(ITEMS, two.wallMs),
      "speed-up": `${(one.wallMs / two.wallMs).toFixed(2)}x`,
      "cpu s 1w": (one.cpuMs / 1000).toFixed(2),
      "cpu s 2w": (two.cpuMs / 1000).toFixed(2),
      // Extra CPU the 2-worker run spends per item: mostly the exchange (half the items cross threads).
      "extra cpu ns/item": Math.round(((two.cpuMs - one.cpuMs) * 1e6) / ITEMS),
    });
  }
  return rows;
}

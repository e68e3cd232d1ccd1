/**
 * Speed-up of 2 workers over 1 on a CPU-bound keyed flow, and the cost of
 * the exchange per item (keyed items crossing worker threads).
 *
 *     npm run bench -- workers [--quick]
 *
 * Runs the built package (dist/), as `sluice run -w N` does. Every run starts
 * its worker threads and loads the flow module in each (a `.ts` flow goes
 * through tsx): that start-up is measured on its own (a run with no items)
 * and shown beside the end-to-end figures. The targets use the speed-up
 * without it (each run's wall time less its start-up): two workers start
 * twice as much, which says nothing of the rate a long run keeps.
 */
import { fileURLToPath } from "node:url";
import { cliMain } from "../dist/index.js";
import { QUICK, median, rate, type BenchOutput, type Measure, type Row, type Target } from "./lib.js";

/** A CPU-bound flow runs for several seconds on one worker, as a stream processor does. */
const CPU_ITEMS = QUICK ? 100_000 : 4_000_000;
const EXCHANGE_ITEMS = QUICK ? 100_000 : 4_000_000;
const REPS = QUICK ? 1 : 3;
const FLOW = fileURLToPath(new URL("./fixtures/workersFlow.ts", import.meta.url));
/** The issue-20 targets: 2 workers over 1 (start-up excluded), and the exchange's CPU per item. */
const CPU_TARGET = 1.9;
const EXCHANGE_TARGET = 1.5;
const EXCHANGE_NS_TARGET = 60;

async function run(exportName: string, workers: number, items: number): Promise<Measure> {
  process.env.BENCH_ITEMS = String(items);
  return median(REPS, () => cliMain(FLOW, exportName, { workers, epochInterval: 1000 }));
}

export async function benchWorkers(): Promise<BenchOutput> {
  await run("exchangeOnly", 1, 1000); // warm up the file system cache and tsx's transform cache
  const start1 = await run("exchangeOnly", 1, 0);
  const start2 = await run("exchangeOnly", 2, 0);
  const rows: Row[] = [];
  const targets: Target[] = [];
  const notes: string[] = [
    `start-up (threads, module loading, partition assignment; no items): 1 worker ${Math.round(start1.wallMs)} ms wall / ${Math.round(start1.cpuMs)} ms CPU, ` +
      `2 workers ${Math.round(start2.wallMs)} ms wall / ${Math.round(start2.cpuMs)} ms CPU; included in the end-to-end figures`,
  ];
  for (const [flow, items] of [
    ["cpuBound", CPU_ITEMS],
    ["exchangeOnly", EXCHANGE_ITEMS],
  ] as const) {
    const one = await run(flow, 1, items);
    const two = await run(flow, 2, items);
    const speedUp = one.wallMs / two.wallMs;
    // A stream processor runs for hours: what counts is the rate once the threads are up.
    // Start-up (2 workers start 2 threads and load the module twice) is measured apart and taken off.
    const steady = (one.wallMs - start1.wallMs) / (two.wallMs - start2.wallMs);
    // CPU the 2-worker run spends beyond the 1-worker run, less the second worker's start-up:
    // the exchange (about half the items cross threads), hashing keys, and the barriers.
    const extraCpuMs = two.cpuMs - one.cpuMs - (start2.cpuMs - start1.cpuMs);
    rows.push({
      flow,
      items,
      "1 worker items/s": rate(items, one.wallMs),
      "2 workers items/s": rate(items, two.wallMs),
      "speed-up": `${speedUp.toFixed(2)}x`,
      "speed-up w/o start-up": `${steady.toFixed(2)}x`,
      "cpu s 1w": (one.cpuMs / 1000).toFixed(2),
      "cpu s 2w": (two.cpuMs / 1000).toFixed(2),
      "exchange cpu ns/item": Math.round((extraCpuMs * 1e6) / items),
    });
    const ns = (extraCpuMs * 1e6) / items;
    if (flow === "cpuBound") {
      targets.push({
        target: `Workers: 2 workers >= ${CPU_TARGET}x one worker on a CPU-bound keyed flow (start-up excluded)`,
        measured: `${steady.toFixed(2)}x (${speedUp.toFixed(2)}x with start-up)`,
        met: steady >= CPU_TARGET,
      });
    } else {
      targets.push({
        target: `Workers: 2 workers >= ${EXCHANGE_TARGET}x one worker on an exchange-only keyed flow (start-up excluded)`,
        measured: `${steady.toFixed(2)}x (${speedUp.toFixed(2)}x with start-up)`,
        met: steady >= EXCHANGE_TARGET,
      });
      targets.push({
        target: `Workers: the exchange costs <= ${EXCHANGE_NS_TARGET} ns CPU per item (exchange-only flow, 2 workers)`,
        measured: `${Math.round(ns)} ns`,
        met: ns <= EXCHANGE_NS_TARGET,
      });
    }
  }
  return { rows, targets, notes };
}

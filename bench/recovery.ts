/**
 * W5, the throughput cost of recovery: W3 (keyed aggregate, 10,000 keys)
 * with recovery off and on at snapshot intervals of 0.1, 1 and 10 s, on
 * Sluice; the hand-written loop (no recovery) as the limit; Bytewax off and
 * on at 1 s. "vs off" is a side's throughput with recovery over its own
 * throughput without. Each run snapshots into a fresh recovery directory
 * (one SQLite partition) in the temp dir.
 *
 *     npm run bench -- recovery [--quick]
 */
import { stationRows } from "./inputs.js";
import { QUICK, REPS, bytewaxEnabled, medianSample, runBytewax, runNodeSide, speedRatio, table, type BenchOutput, type MedianSample, type Row } from "./lib.js";
import type { W3Params } from "./w3.js";

const ROWS = QUICK ? 200_000 : Number(process.env.BENCH_W5_ROWS ?? 4_000_000);
const KEYS = 10_000;
const INTERVALS = [0.1, 1, 10];

export async function benchRecovery(): Promise<BenchOutput> {
  const path = stationRows(ROWS, KEYS);
  const base: W3Params = { path, batch: 1000 };
  const sluice = (p: W3Params): Promise<MedianSample> => medianSample(REPS, () => runNodeSide("w3", "sluice", p));
  const off = await sluice(base);
  const on = new Map<number, MedianSample>();
  for (const s of INTERVALS) on.set(s, await sluice({ ...base, epochSeconds: s, recovery: true }));
  const limit = await medianSample(REPS, () => runNodeSide("w3", "limit", base));
  let bwOff: MedianSample | undefined;
  let bwOn: MedianSample | undefined;
  if (bytewaxEnabled()) {
    bwOff = await medianSample(REPS, () => runBytewax("w3", base));
    bwOn = await medianSample(REPS, () => runBytewax("w3", { ...base, epochSeconds: 1, recovery: true }));
  }
  const rows: Row[] = [];
  const row = (recovery: string, side: string, m: MedianSample, offRun: MedianSample | undefined, bytewax?: MedianSample): void => {
    const r: Row = {
      recovery,
      side,
      reps: m.wallMsAll.length,
      rows: m.items,
      keys: KEYS,
      "items/s": Math.round((m.items / m.wallMs) * 1000),
      "ns/item": Math.round((m.wallMs * 1e6) / m.items),
      "cpu s": Number((m.cpuMs / 1000).toFixed(3)),
      "peak RSS MiB": Math.round(m.peakRss / 2 ** 20),
      "vs off": offRun === undefined ? "" : Number((offRun.wallMs / m.wallMs).toFixed(4)),
      "sluice/limit": side === "sluice" ? Number(speedRatio(m, limit)!.toFixed(4)) : "",
      "sluice/bytewax": bytewax === undefined ? "" : Number(speedRatio(m, bytewax)!.toFixed(2)),
      check: m.check === off.check ? "ok" : `MISMATCH ${m.check} vs ${off.check}`,
    };
    rows.push(r);
  };
  row("off", "sluice", off, off, bwOff);
  for (const s of INTERVALS) row(`on, ${s} s`, "sluice", on.get(s)!, off, s === 1 ? bwOn : undefined);
  row("off", "limit", limit, undefined);
  if (bwOff !== undefined) row("off", "bytewax", bwOff, bwOff);
  if (bwOn !== undefined) row("on, 1 s", "bytewax", bwOn, bwOff);
  const cost = (s: number): number => 1 - off.wallMs / on.get(s)!.wallMs;
  return {
    rows,
    targets: [
      { target: "W5 10,000 keys: recovery at 1 s snapshots costs <= 15% throughput", measured: `${(cost(1) * 100).toFixed(1)}%`, met: cost(1) <= 0.15 },
      {
        target: "W5 10,000 keys: recovery at 0.1 s snapshots costs <= 20% throughput (>= 80% of recovery off)",
        measured: `${(cost(0.1) * 100).toFixed(1)}% (${((1 - cost(0.1)) * 100).toFixed(1)}% of off)`,
        met: cost(0.1) <= 0.2,
      },
    ],
    notes: [`W5: ${ROWS} rows (BENCH_W5_ROWS), ${KEYS} keys`],
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(table((await benchRecovery()).rows));
}

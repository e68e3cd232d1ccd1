/**
 * What metrics cost: W1 (per-item overhead, batches of 1 and 1000) and W3
 * (keyed aggregate, 10,000 keys) run with metrics counted and without, in
 * turn, beside the hand-written loop. The metered side counts exactly what a
 * run with `--metrics-port` counts (every batch of every step, one in 64
 * timed, every source read); it does not serve HTTP, whose cost is one
 * scrape's work every scrape interval, not per item. Target: metrics cost
 * under 5% of the throughput.
 *
 *     npm run bench -- metrics [--quick]
 */
import { stationRows } from "./inputs.js";
import { QUICK, REPS, interleavedMedians, ratioTarget, runNodeSide, type BenchOutput, type Row, type Target } from "./lib.js";

const W1_ITEMS = QUICK ? 20_000 : 1_000_000;
const W3_ROWS = QUICK ? 50_000 : 2_000_000;

export async function benchMetrics(): Promise<BenchOutput> {
  const rows: Row[] = [];
  const targets: Target[] = [];
  const cases: { name: string; mod: string; params: object }[] = [
    { name: "W1 batch 1", mod: "w1", params: { items: W1_ITEMS / 10, batch: 1 } },
    { name: "W1 batch 1000", mod: "w1", params: { items: W1_ITEMS, batch: 1000 } },
    { name: "W3 10000 keys", mod: "w3", params: { path: stationRows(W3_ROWS, 10_000), batch: 1000 } },
  ];
  for (const c of cases) {
    // More repetitions than the other benchmarks: the difference sought is a few percent.
    const [plain, metered, limit] = await interleavedMedians(REPS + 2, [
      () => runNodeSide(c.mod, "sluice", c.params),
      () => runNodeSide(c.mod, "metered", c.params),
      () => runNodeSide(c.mod, "limit", c.params),
    ]);
    const row = (side: string, m: typeof plain): Row => ({
      case: c.name,
      side,
      reps: m.wallMsAll.length,
      items: m.items,
      "ns/item": Math.round((m.wallMs * 1e6) / m.items),
      "cpu s": Number((m.cpuMs / 1000).toFixed(3)),
      "sluice/limit": side === "limit" ? "" : Number((limit.wallMs / m.wallMs).toFixed(4)),
      "metered/plain": side === "metered" ? Number((plain.wallMs / metered.wallMs).toFixed(4)) : "",
      check: m.check === plain.check ? "ok" : `MISMATCH ${m.check} vs ${plain.check}`,
    });
    rows.push(row("sluice", plain), row("metered", metered), row("limit", limit));
    targets.push(ratioTarget(`${c.name}: with metrics >= 95% of the throughput without`, plain.wallMs / metered.wallMs, 0.95, true));
  }
  return { rows, targets, notes: ["metrics: the metered side counts as --metrics-port does, without serving HTTP"] };
}

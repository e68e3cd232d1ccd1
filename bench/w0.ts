/**
 * W0, idle: a polling source that wakes every 250 ms (emitting one item to a
 * null sink) for 10 s: CPU seconds per wall second. Sluice uses a
 * `SimplePollingSource`, Bytewax its `SimplePollingSource`, the hand-written
 * loop a `setInterval`. The three sides, and their repetitions, run at the
 * same time, each in its own process (they are idle, so they do not disturb
 * each other).
 *
 *     npm run bench -- w0 [--quick]
 */
import { Dataflow, SimplePollingSource, runMain } from "../dist/index.js";
import { NullSink } from "./fixtures/nullSink.js";
import { QUICK, REPS, bytewaxEnabled, medianOf, runBytewax, runNodeSide, table, timeSide, type BenchOutput, type MedianSample, type Row, type Sample } from "./lib.js";

const SECONDS = QUICK ? 1 : 10;
const INTERVAL_MS = 250;

interface Params {
  seconds: number;
  intervalMs: number;
}

// The user function, shared by Sluice and the hand-written loop.
const reading = (): number => Date.now();

class Ticks extends SimplePollingSource<number> {
  private polls = 0;

  constructor(
    interval: number,
    private readonly max: number,
  ) {
    super(interval);
  }

  nextItem(): number | null {
    return this.polls++ < this.max ? reading() : null;
  }
}

async function runSluice(polls: number, intervalMs: number): Promise<string> {
  const sink = new NullSink<number>();
  const flow = new Dataflow("w0");
  flow.input("in", new Ticks(intervalMs, polls)).output("out", sink);
  await runMain(flow);
  return `${sink.count} items`;
}

function runLimit(polls: number, intervalMs: number): Promise<string> {
  let count = 0;
  return new Promise<string>((resolve) => {
    let n = 0;
    const timer = setInterval(() => {
      if (n++ < polls) {
        reading();
        count++;
      } else {
        clearInterval(timer);
        resolve(`${count} items`);
      }
    }, intervalMs);
    // The first poll is at once, as with the polling sources.
    n++;
    reading();
    count++;
  });
}

/**
 * Warm-up: the same idle flow for {@link WARM_SECONDS}, so what a fresh
 * process does in its first seconds (lazy compilation, the GCs V8 runs when
 * a process goes idle) is not counted as the flow's idle cost.
 */
const WARM_SECONDS = 3;

export const sides = {
  sluice: ({ seconds, intervalMs }: Params): Promise<Sample> => {
    const polls = Math.round((seconds * 1000) / intervalMs);
    const warm = Math.round((WARM_SECONDS * 1000) / intervalMs);
    return timeSide(polls, () => runSluice(warm, intervalMs), () => runSluice(polls, intervalMs));
  },
  limit: ({ seconds, intervalMs }: Params): Promise<Sample> => {
    const polls = Math.round((seconds * 1000) / intervalMs);
    const warm = Math.round((WARM_SECONDS * 1000) / intervalMs);
    return timeSide(polls, () => runLimit(warm, intervalMs), () => runLimit(polls, intervalMs));
  },
};

export async function benchW0(): Promise<BenchOutput> {
  const params: Params = { seconds: SECONDS, intervalMs: INTERVAL_MS };
  const withBytewax = bytewaxEnabled();
  // Every repetition of every side at once: they are idle, so they do not disturb each other.
  const reps = async (run: () => Promise<Sample>): Promise<MedianSample> => medianOf(await Promise.all(Array.from({ length: REPS }, run)));
  const [sluice, limit, bytewax] = await Promise.all([
    reps(() => runNodeSide("w0", "sluice", params)),
    reps(() => runNodeSide("w0", "limit", params)),
    withBytewax ? reps(() => runBytewax("w0", params)) : Promise.resolve(undefined),
  ]);
  const rows: Row[] = [];
  for (const [side, m] of [["sluice", sluice], ["limit", limit], ["bytewax", bytewax]] as const) {
    if (m === undefined) continue;
    rows.push({
      side,
      reps: m.wallMsAll.length,
      polls: m.items,
      "wall s": Number((m.wallMs / 1000).toFixed(2)),
      "cpu s": Number((m.cpuMs / 1000).toFixed(3)),
      "cpu % of a core": Number(((m.cpuMs / m.wallMs) * 100).toFixed(3)),
      // What the side costs beyond a bare setInterval (the machine's floor for waking 4 times a second).
      "over limit, % of a core": side === "limit" ? "" : Number((((m.cpuMs / m.wallMs) - limit.cpuMs / limit.wallMs) * 100).toFixed(3)),
      "peak RSS MiB": Math.round(m.peakRss / 2 ** 20),
      check: m.check === sluice.check ? "ok" : `MISMATCH ${m.check} vs ${sluice.check}`,
    });
  }
  const pct = (sluice.cpuMs / sluice.wallMs) * 100;
  const floor = (limit.cpuMs / limit.wallMs) * 100;
  return {
    rows,
    targets: [{ target: "W0 idle: Sluice uses < 1% of a core", measured: `${pct.toFixed(2)}% (a bare setInterval: ${floor.toFixed(2)}%)`, met: pct < 1 }],
    notes: [`W0: polls every ${INTERVAL_MS} ms for ${SECONDS} s, after ${WARM_SECONDS} s of the same to warm up; CPU includes starting and ending the run`],
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(table((await benchW0()).rows));
}

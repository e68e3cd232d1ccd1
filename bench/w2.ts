/**
 * W2, word count: lines of Zipf-distributed words, lowercased, split on
 * spaces and counted with `countFinal` (results at EOF), for vocabularies of
 * 100, 10,000 and 1,000,000 words. Items are input lines. Every side reads
 * the same generated file into memory before the timed run; Sluice and
 * Bytewax then read it through their `TestingSource` in batches of 1000.
 *
 *     npm run bench -- w2 [--quick]
 */
import { Dataflow, runMain } from "../dist/index.js";
import { TestingSource } from "../dist/testing/index.js";
import { NullSink } from "./fixtures/nullSink.js";
import { readLines, wordLines } from "./inputs.js";
import { QUICK, compareSides, ratioTarget, sideRows, table, timeSide, warmPart, type BenchOutput, type Row, type Sample, type Target } from "./lib.js";

const LINES = QUICK ? 20_000 : 1_000_000;
const VOCABS = QUICK ? [100, 10_000] : [100, 10_000, 1_000_000];
const BATCH = 1000;

interface Params {
  path: string;
  batch: number;
}

// The user functions, shared by Sluice and the hand-written loop.
const lower = (line: string): string => line.toLowerCase();
const tokenize = (line: string): string[] => line.split(" ");
const key = (word: string): string => word;

async function runSluice(lines: string[], batch: number): Promise<string> {
  let total = 0;
  const sink = new NullSink<readonly [string, number]>((kvs) => {
    let s = 0; // a local, as in the hand-written loop (see W1)
    for (let i = 0; i < kvs.length; i++) s += kvs[i][1];
    total += s;
  });
  const flow = new Dataflow("w2");
  flow.input("in", new TestingSource(lines, batch)).map("lower", lower).flatMap("tokenize", tokenize).countFinal("count", key).output("out", sink);
  await runMain(flow);
  return `${sink.count} words, ${total} tokens`;
}

function runLimit(lines: string[]): string {
  const counts = new Map<string, number>();
  for (let i = 0; i < lines.length; i++) {
    const words = tokenize(lower(lines[i]));
    for (let j = 0; j < words.length; j++) {
      const k = key(words[j]);
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
  }
  let total = 0;
  for (const n of counts.values()) total += n;
  return `${counts.size} words, ${total} tokens`;
}

export const sides = {
  sluice: async ({ path, batch }: Params): Promise<Sample> => {
    const lines = readLines(path);
    return timeSide(lines.length, () => runSluice(warmPart(lines), batch), () => runSluice(lines, batch));
  },
  limit: async ({ path }: Params): Promise<Sample> => {
    const lines = readLines(path);
    return timeSide(lines.length, () => runLimit(warmPart(lines)), () => runLimit(lines));
  },
};

export async function benchW2(): Promise<BenchOutput> {
  const rows: Row[] = [];
  const targets: Target[] = [];
  const notes = [`W2: ${LINES} lines of 1-15 words (8 on average); items are lines`];
  for (const vocab of VOCABS) {
    const path = wordLines(LINES, vocab);
    const s = await compareSides("w2", { path, batch: BATCH }, "w2");
    rows.push(...sideRows({ vocabulary: vocab }, s));
    targets.push(ratioTarget(`W2 vocabulary ${vocab}: Sluice >= 40% of the hand-written loop`, s.limit && s.limit.wallMs / s.sluice.wallMs, 0.4, true));
    targets.push(ratioTarget(`W2 vocabulary ${vocab}: Sluice >= 5x Bytewax`, s.bytewax && s.bytewax.wallMs / s.sluice.wallMs, 5, false));
    if (s.bytewax !== undefined && s.limit !== undefined) {
      // Where Bytewax's C string methods make the target unreachable by any JS engine: the limit itself is slower than 5x.
      notes.push(`W2 vocabulary ${vocab}: the hand-written loop is ${(s.bytewax.wallMs / s.limit.wallMs).toFixed(1)}x Bytewax`);
    }
  }
  return { rows, targets, notes };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(table((await benchW2()).rows));
}

/**
 * A flow to watch: words from a steady stream, counted per word, with
 * metrics and the live dashboard.
 *
 *     npx sluice run examples/operations.ts -w 2 -s 1 --dashboard 8080 --metrics-port 9464
 *
 * then open http://127.0.0.1:8080/ (the dataflow with each step's throughput,
 * epochs and commits, each worker's load) and scrape
 * http://127.0.0.1:9464/metrics. It runs for about two minutes: 20 sentences
 * every 10 ms. Add `-r state -b 0` (after `npx sluice recovery init state 2`)
 * to see snapshots and commit lag move, and `npx sluice recovery inspect
 * state examples/operations.ts` afterwards.
 */
import { Dataflow, seconds } from "sluice";
import { RandomMetricSource } from "sluice/connectors/demo";
import { StdOutSink } from "sluice/connectors/stdio";

const WORDS = "the quick brown fox jumps over the lazy dog while seven wizards quietly hex every jovial bookkeeper".split(" ");

export const flow = new Dataflow("operations");
flow
  // One value every 10 ms, 12,000 of them: about two minutes.
  .input("ticks", new RandomMetricSource("tick", { interval: seconds(0.01), count: 12_000 }))
  .flatMap("sentences", ([, v]) => Array.from({ length: 20 }, (_, i) => `${WORDS[(Math.round(v) + i) % WORDS.length]} ${WORDS[i % WORDS.length]}`))
  .flatMap("words", (s) => s.split(" "))
  .keyOn("word", (w) => w)
  .statefulMap("count", (n: number | undefined) => [(n ?? 0) + 1, (n ?? 0) + 1] as const)
  // Print a word's count every 10,000 occurrences.
  .filter("milestones", ([, n]) => n % 10_000 === 0)
  .map("format", ([w, n]) => `${w}: ${n}`)
  .output("out", new StdOutSink());

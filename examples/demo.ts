/**
 * Random metrics: Bytewax's demo source, averaged per metric.
 *
 *     npx sluice run examples/demo.ts
 *     npx sluice recovery init state 1 && npx sluice run examples/demo.ts -r state -s 1 -b 0
 *
 * Two metrics tick at their own pace (`cpu` every 100 ms, `mem` every
 * 250 ms) and stop after a fixed count. Each value updates the running
 * average of its metric, printed as `metric: value (avg over n)`. With
 * recovery (`-r`), stopping the run with Ctrl-C and starting it again
 * continues the count where it stopped, averages included.
 */
import { Dataflow, seconds } from "sluice";
import { RandomMetricSource } from "sluice/connectors/demo";
import { StdOutSink } from "sluice/connectors/stdio";

interface Average {
  n: number;
  sum: number;
}

export const flow = new Dataflow("demo");
const cpu = flow.input("cpu", new RandomMetricSource("cpu", { interval: seconds(0.1), count: 30 }));
const mem = flow.input(
  "mem",
  new RandomMetricSource("mem", { interval: seconds(0.25), count: 12, nextRandom: () => Math.round(40 + Math.random() * 20) }),
);
cpu
  .merge("metrics", mem)
  .statefulMap("average", (avg: Average | undefined, value: number) => {
    const next = { n: (avg?.n ?? 0) + 1, sum: (avg?.sum ?? 0) + value };
    return [next, { value, next }];
  })
  .map("format", ([metric, { value, next }]) => `${metric}: ${value} (avg ${(next.sum / next.n).toFixed(2)} over ${next.n})`)
  .output("out", new StdOutSink());

/**
 * The consumer lag metric of a `KafkaSource` partition, scraped from a real
 * run's `/metrics` while its sink holds the flow after the first batch.
 */
import { afterAll, expect, it } from "vitest";
import { Dataflow, DynamicSink, StatelessSinkPartition } from "../../../src/index.js";
import { runMain } from "../../../src/testing/index.js";
import { KafkaSource } from "../../../src/connectors/kafka/index.js";
import { freePort } from "../tcp/helpers.js";
import { brokers, TestTopics } from "./helpers.js";

const topics = new TestTopics();
afterAll(() => topics.cleanup());

/** A sink that holds the run in its first `writeBatch` until `release()`. */
class HoldingSink extends DynamicSink<unknown> {
  written = 0;
  readonly held: Promise<void>;
  release!: () => void;
  private reached!: () => void;
  private readonly gate = new Promise<void>((r) => (this.release = r));

  constructor() {
    super();
    this.held = new Promise<void>((r) => (this.reached = r));
  }

  build(): StatelessSinkPartition<unknown> {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const sink = this;
    return new (class extends StatelessSinkPartition<unknown> {
      async writeBatch(items: unknown[]): Promise<void> {
        const first = sink.written === 0;
        sink.written += items.length;
        if (first) {
          sink.reached();
          await sink.gate;
        }
      }
    })();
  }
}

const lagOf = (text: string, part: string): number | undefined => {
  const line = text.split("\n").find((l) => l.startsWith("sluice_source_lag_items{") && l.includes(`partition="${part}"`));
  return line === undefined ? undefined : Number(line.split(" ").at(-1));
};

it("reports a partition's lag behind its high watermark while the flow is held, and the items read", async () => {
  const topic = await topics.create("lag", 1);
  await topics.produce(
    topic,
    Array.from({ length: 1000 }, (_, i) => ({ value: `v${i}` })),
  );
  const port = await freePort();
  const sink = new HoldingSink();
  const flow = new Dataflow("lag");
  flow.input("in", new KafkaSource({ brokers: brokers(), topics: [topic], tail: false, batchSize: 100 })).output("out", sink);
  const run = runMain(flow, { epochInterval: 0, metrics: port });
  await sink.held;
  const held = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  // The first batch (100 messages) was handed out; the fetch saw the partition's end at 1000.
  expect(lagOf(held, `${topic}-0`)).toBe(900);
  expect(held).toContain(`sluice_source_items_total{step="lag.in",partition="${topic}-0",worker="0"} 100`);
  sink.release();
  await run;
  expect(sink.written).toBe(1000);
});

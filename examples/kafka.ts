/**
 * Kafka in, keyed state, Kafka out: running click totals per user.
 *
 *     bash scripts/kafka.sh start                     # a local broker; prints its address
 *     export KAFKA_BROKERS=$(bash scripts/kafka.sh brokers)
 *     npx sluice run examples/kafka.ts:setup          # creates the topics, writes sample clicks
 *     npx sluice recovery init state 2
 *     npx sluice run examples/kafka.ts -r state -s 1 -b 0
 *
 * Input: topic `clicks`, values like `{"user":"u1","clicks":3}` (the key is
 * the user). Values that are not valid JSON go to stdout as errors; the rest
 * update a running total per user, written to topic `click-totals` as
 * `{"user":"u1","total":7}` keyed by user. Kill it and run it again with the
 * same recovery directory: it resumes from the last committed epoch, totals
 * exactly once, and, since the sink is transactional, every total reaches
 * `click-totals` exactly once for `read_committed` readers:
 *
 *     npx sluice run examples/kafka.ts:readTotals     # prints the committed totals
 *
 * Stop it with Ctrl-C: it tails `clicks` forever.
 */
import { Dataflow } from "sluice";
import { StdOutSink } from "sluice/connectors/stdio";
import { TestingSource } from "sluice/testing";
import { KafkaSink, KafkaSource, jsonCodec, kop, type KafkaSinkMessage } from "sluice/connectors/kafka";
import { Kafka, logLevel } from "kafkajs";

const brokers = (process.env.KAFKA_BROKERS ?? "127.0.0.1:9092").split(",");

interface Click {
  user: string;
  clicks: number;
}

export const flow = new Dataflow("click_totals");
const { oks: messages, errs: readErrors } = kop.input("clicks", flow, { brokers, topics: ["clicks"] });
const { oks: clicks, errs: badValues } = kop.deserializeValue("parse", messages, jsonCodec<Click>());
readErrors.map("read_error", (e) => `read error on ${e.topic}-${e.partition}: ${e.error.message}`).output("read_errors", new StdOutSink());
badValues
  .map("bad_value", (e) => `bad value at ${e.topic}-${e.partition}@${e.message?.offset}: ${e.error.message}`)
  .output("bad_values", new StdOutSink());

const totals = clicks
  .filterMap("value", (m) => m.value ?? undefined)
  .keyOn("user", (c) => c.user)
  .statefulMap("total", (total: number | undefined, c: Click) => {
    const next = (total ?? 0) + c.clicks;
    return [next, next] as const;
  });
const out = totals.map("to_message", ([user, total]): KafkaSinkMessage<string, { user: string; total: number }> => ({
  key: user,
  value: { user, total },
}));
// Each epoch's totals are one Kafka transaction per partition of click-totals (producers click-totals-flow-0, -1).
kop.output("totals", kop.serializeValue("to_json", out, jsonCodec()), { brokers, topic: "click-totals", transactional: { id: "click-totals-flow" } });

/** `sluice run examples/kafka.ts:setup`: create the topics (if missing) and write sample clicks. */
export async function setup(): Promise<Dataflow> {
  const admin = new Kafka({ brokers, logLevel: logLevel.WARN }).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: "clicks", numPartitions: 2 }, { topic: "click-totals", numPartitions: 2 }], waitForLeaders: true });
  await admin.disconnect();
  const samples: KafkaSinkMessage<string, string>[] = [
    { key: "u1", value: JSON.stringify({ user: "u1", clicks: 3 }) },
    { key: "u2", value: JSON.stringify({ user: "u2", clicks: 1 }) },
    { key: "u1", value: JSON.stringify({ user: "u1", clicks: 4 }) },
    { key: "u3", value: "not json" },
  ];
  const write = new Dataflow("click_samples");
  write.input("samples", new TestingSource(samples)).output("to_kafka", new KafkaSink({ brokers, topic: "clicks" }));
  return write;
}

/** `sluice run examples/kafka.ts:readTotals`: print what `click-totals` holds, read `read_committed` (KafkaSource's default). */
export const readTotals = new Dataflow("read_totals");
readTotals
  .input("totals", new KafkaSource({ brokers, topics: ["click-totals"], tail: false }))
  .map("show", (m) => `${m.partition}@${m.offset}: ${m.value?.toString() ?? ""}`)
  .output("stdout", new StdOutSink());

/**
 * StateFun's Kafka ingress and egress (src/functions/kafka.ts): the Kafka
 * egress record type against golden bytes from StateFun's Python SDK, the
 * two steps on testing sources, and Kafka -> functions -> Kafka on the test
 * broker.
 *
 * How the goldens were made (once; the SDK is not needed to run this test):
 * apache-flink-statefun 3.3.0 with protobuf 3.20.3, each record built with
 * the SDK's own `kafka_egress_message` and printed as
 * `msg.typed_value.value.hex()` (its `typed_value.typename` is
 * `type.googleapis.com/io.statefun.sdk.egress.KafkaProducerRecord`):
 *
 * ```python
 * from statefun import kafka_egress_message, StringType
 * kafka_egress_message(typename="greeter.io/kafka", topic="greetings", key="ann", value="Hello, Ann! héllo 世界 👋")
 * kafka_egress_message(typename="greeter.io/kafka", topic="raw", value=b"\x00\x01\xfe\xff")
 * kafka_egress_message(typename="greeter.io/kafka", topic="typed", key="k-1", value="hi", value_type=StringType)
 * kafka_egress_message(typename="greeter.io/kafka", topic="empty", key="", value="")
 * ```
 */
import { afterAll, describe, expect, it } from "vitest";
import { BuildError, Dataflow, StepError, type Stream } from "../../src/index.js";
import { TestingSink, TestingSource } from "../../src/testing/index.js";
import { runFlow } from "../../src/run/runMain.js";
import { runMain } from "../../src/testing/index.js";
import {
  applyFunctions,
  bind,
  jsonType,
  kafkaEgress,
  kafkaEgressType,
  kafkaIngress,
  message,
  Message,
  types,
  valueSpec,
  type EgressMessage,
  type KafkaEgressRecord,
  type KafkaIngressRoutes,
} from "../../src/functions/index.js";
import { KafkaSink, KafkaSource, type KafkaSinkMessage, type KafkaSourceMessage } from "../../src/connectors/kafka/index.js";
import { brokers, readAll, TestTopics } from "../connectors/kafka/helpers.js";

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

/** [record as given to kafkaEgressType, the Python SDK's bytes for the same record] */
const GOLDENS: [KafkaEgressRecord, string][] = [
  [
    { topic: "greetings", key: "ann", value: "Hello, Ann! héllo 世界 👋" },
    "0a03616e6e121e48656c6c6f2c20416e6e212068c3a96c6c6f20e4b896e7958c20f09f918b1a096772656574696e6773",
  ],
  [{ topic: "raw", value: new Uint8Array([0x00, 0x01, 0xfe, 0xff]) }, "12040001feff1a03726177"],
  [{ topic: "typed", key: "k-1", value: types.string.serialize("hi") }, "0a036b2d3112040a0268691a057479706564"],
  [{ topic: "empty", key: "", value: "" }, "1a05656d707479"],
];

describe("kafkaEgressType", () => {
  it("has StateFun's typename", () => {
    expect(kafkaEgressType.typename).toBe("type.googleapis.com/io.statefun.sdk.egress.KafkaProducerRecord");
  });

  it.each(GOLDENS)("writes %o as the Python SDK's kafka_egress_message does", (record, golden) => {
    expect(hex(kafkaEgressType.serialize(record))).toBe(golden);
  });

  it("reads records back, values as bytes, an empty key as none", () => {
    const read = (golden: string) => kafkaEgressType.deserialize(new Uint8Array(Buffer.from(golden, "hex")));
    expect(read(GOLDENS[0][1])).toEqual({ topic: "greetings", key: "ann", value: utf8("Hello, Ann! héllo 世界 👋") });
    expect(read(GOLDENS[1][1])).toEqual({ topic: "raw", value: new Uint8Array([0x00, 0x01, 0xfe, 0xff]) });
    expect(read(GOLDENS[3][1])).toEqual({ topic: "empty", value: new Uint8Array() });
  });

  it("matches the bytes its doc example states", () => {
    expect([...kafkaEgressType.serialize({ topic: "raw", value: new Uint8Array([0, 1]) })]).toEqual([0x12, 0x02, 0x00, 0x01, 0x1a, 0x03, 0x72, 0x61, 0x77]);
  });

  it("rejects a record without topic, a key that is not a string, a value that is not bytes or a string", () => {
    const write = (r: unknown) => () => kafkaEgressType.serialize(r as KafkaEgressRecord);
    expect(write({ topic: "", value: "x" })).toThrow(new TypeError('a Kafka egress record needs a `topic` (a non-empty string); got ""'));
    expect(write({ value: "x" })).toThrow("needs a `topic` (a non-empty string); got undefined");
    expect(write({ topic: "t", key: 7, value: "x" })).toThrow(new TypeError("the `key` of a Kafka egress record to topic 't' must be a string or absent; got number"));
    expect(write({ topic: "t", value: null })).toThrow(new TypeError("the `value` of a Kafka egress record to topic 't' must be a Uint8Array or a string; got null"));
    expect(write("t")).toThrow(TypeError);
  });
});

/** `KafkaSourceMessage`s as KafkaSource emits them, without a broker. */
function record(topic: string, offset: number, key: string | null, value: Uint8Array | null): KafkaSourceMessage<Buffer | null, Buffer | null> {
  return {
    topic,
    partition: 0,
    offset,
    key: key === null ? null : Buffer.from(key),
    value: value === null ? null : Buffer.from(value),
    timestamp: new Date(0),
    headers: {},
  };
}

const show = (m: Message): string => `${m.targetAddress.typename}/${m.targetAddress.id} ${m.typedValue.typename} ${hex(m.typedValue.value)}`;

async function ingressOf(
  records: KafkaSourceMessage<Buffer | null, Buffer | null>[],
  route: (s: Stream<KafkaSourceMessage<Buffer | null, Buffer | null>>) => Stream<Message>,
): Promise<string[]> {
  const out: string[] = [];
  const flow = new Dataflow("f");
  route(flow.input("in", new TestingSource(records))).map("show", show).output("out", new TestingSink(out));
  await runFlow(flow);
  return out;
}

describe("kafkaIngress", () => {
  const routes: KafkaIngressRoutes = {
    names: { valueType: "io.statefun.types/string", targets: ["g.fns/person", "g.fns/audit"] },
    raw: { valueType: "g.types/Raw", targets: ["g.fns/raw"] },
  };

  it("routes each record of a table's topic to every target, id = key, value = the record's bytes with valueType", async () => {
    const out = await ingressOf(
      [record("names", 0, "ann", types.string.serialize("Ann")), record("raw", 0, "k\u00e9", new Uint8Array([0xff])), record("names", 1, "bob", new Uint8Array())],
      (s) => kafkaIngress("route", s, routes),
    );
    expect(out).toEqual([
      "g.fns/person/ann io.statefun.types/string 0a03416e6e",
      "g.fns/audit/ann io.statefun.types/string 0a03416e6e",
      "g.fns/raw/k\u00e9 g.types/Raw ff",
      "g.fns/person/bob io.statefun.types/string ",
      "g.fns/audit/bob io.statefun.types/string ",
    ]);
  });

  it("takes keys already deserialized to strings", async () => {
    const out: string[] = [];
    const flow = new Dataflow("f");
    const records: KafkaSourceMessage<string, Buffer>[] = [{ ...record("raw", 3, null, new Uint8Array([1])), key: "s-1", value: Buffer.from([1]) }];
    kafkaIngress("route", flow.input("in", new TestingSource(records)), routes).map("show", show).output("out", new TestingSink(out));
    await runFlow(flow);
    expect(out).toEqual(["g.fns/raw/s-1 g.types/Raw 01"]);
  });

  it("routes with a function: one message, several, or none", async () => {
    const out = await ingressOf([record("a", 0, "x", utf8("1")), record("a", 1, null, utf8("2")), record("a", 2, "y", null)], (s) =>
      kafkaIngress("route", s, (r) => {
        if (r.value === null) return undefined;
        const n = r.value.toString();
        return r.key === null ? [message("t.fns/a", `n${n}`, n, types.string), message("t.fns/b", `n${n}`, n, types.string)] : message("t.fns/a", r.key.toString(), n, types.string);
      }),
    );
    expect(out).toEqual(["t.fns/a/x io.statefun.types/string 0a0131", "t.fns/a/n2 io.statefun.types/string 0a0132", "t.fns/b/n2 io.statefun.types/string 0a0132"]);
  });

  it("fails the step on a record without key, without value, or of a topic the table lacks, naming where it is", async () => {
    const fail = (r: KafkaSourceMessage<Buffer | null, Buffer | null>) => ingressOf([r], (s) => kafkaIngress("route", s, routes)).catch((e: unknown) => e);
    const noKey = (await fail({ ...record("names", 7, null, utf8("v")), partition: 2 })) as StepError;
    expect(noKey).toBeInstanceOf(StepError);
    expect(noKey.stepId).toBe("f.route");
    expect(noKey.message).toBe(
      "error calling `router` in step 'f.route': the record at topic 'names' partition 2 offset 7 has no key, and a route takes the key as the target id (route with a function to handle it)",
    );
    expect(((await fail(record("names", 8, "k", null))) as StepError).message).toContain(
      "the record at topic 'names' partition 0 offset 8 has no value (a tombstone); route with a function to handle it",
    );
    expect(((await fail(record("other", 9, "k", utf8("v")))) as StepError).message).toContain(
      "the record at topic 'other' partition 0 offset 9 has no route: the routes table has topics 'names', 'raw'",
    );
  });

  it("fails the step when a router function returns something other than Messages", async () => {
    const bad = (result: unknown) =>
      ingressOf([record("a", 0, "x", utf8("1"))], (s) => kafkaIngress("route", s, () => result as Message)).then(
        () => expect.unreachable(),
        (e: unknown) => e as StepError,
      );
    const err = await bad("oops");
    expect(err).toBeInstanceOf(StepError);
    expect(err.cause).toBeInstanceOf(TypeError);
    expect(err.message).toBe(
      "error calling `router` in step 'f.route': TypeError: the `router` of `kafkaIngress` step 'f.route' must return a Message, an array of Messages or undefined; got string",
    );
    expect((await bad([message("t.fns/a", "1", "", types.string), null])).message).toContain("got null at index 1");
  });

  it("rejects a malformed table at build time", () => {
    const build = (router: unknown) => () => kafkaIngress("route", new Dataflow("f").input("in", new TestingSource<KafkaSourceMessage<Buffer, Buffer>>([])), router as KafkaIngressRoutes);
    expect(build({ t: { valueType: "nonamespace", targets: ["a/b"] } })).toThrow(
      new BuildError(`the valueType of the route of topic 't' in \`kafkaIngress\` step 'f.route' must be a typename "namespace/name" (like "example/greeter"); got "nonamespace"`),
    );
    expect(build({ t: { valueType: "a/b", targets: [] } })).toThrow("the targets of the route of topic 't' in `kafkaIngress` step 'f.route' must be a non-empty array");
    expect(build({ t: { valueType: "a/b", targets: ["a/b/c"] } })).toThrow('a target of the route of topic \'t\' in `kafkaIngress` step \'f.route\' must be a typename "namespace/name"');
    expect(build({ t: "a/b" })).toThrow(BuildError);
    expect(build({})).toThrow("`kafkaIngress` step 'f.route' has a routes table without topics");
    expect(build(null)).toThrow("`kafkaIngress` step 'f.route' needs a router: a table { [topic]: { valueType, targets } } or a function; got null");
  });
});

/** A greeter that counts a person's visits and greets them on topic `topic` (a Kafka egress record). */
function greeter(topic: string) {
  return bind({
    typename: "greeter.fns/person",
    specs: { visits: valueSpec(types.int) },
    fn(ctx, msg) {
      const visits = (ctx.storage.visits ?? 0) + 1;
      ctx.storage.visits = visits;
      const { name } = msg.as(PERSON);
      const value = visits === 1 ? `Hello, ${name}!` : `Hello again, ${name} (visit ${visits})`;
      ctx.sendEgress("greeter.io/kafka", { topic, key: ctx.self.id, value }, kafkaEgressType);
    },
  });
}

const PERSON = jsonType<{ name: string }>("greeter.types/Person");

describe("kafkaEgress", () => {
  it("turns a function's Kafka egress records into KafkaSink messages: topic, key, value bytes", async () => {
    const out: KafkaSinkMessage<string, Buffer>[] = [];
    const flow = new Dataflow("f");
    const ingress = flow.input("in", new TestingSource(["ann", "bob", "ann"])).map("msg", (id) => message("greeter.fns/person", id, { name: id.toUpperCase() }, PERSON));
    const nokey = bind({ typename: "greeter.fns/nokey", fn: (ctx) => ctx.sendEgress("greeter.io/kafka", { topic: "raw", value: new Uint8Array([0, 255]) }, kafkaEgressType) });
    const withNokey = ingress.flatMap("also", (m) => [m, message("greeter.fns/nokey", m.targetAddress.id, "", types.string)]);
    kafkaEgress("to_kafka", applyFunctions("fns", withNokey, [greeter("greetings"), nokey]).egress("greeter.io/kafka")).output("out", new TestingSink(out));
    await runFlow(flow);
    const ofGreetings = out.filter((m) => m.topic === "greetings");
    expect(ofGreetings.map((m) => [m.topic, m.key, m.value.toString()])).toEqual([
      ["greetings", "ann", "Hello, ANN!"],
      ["greetings", "bob", "Hello, BOB!"],
      ["greetings", "ann", "Hello again, ANN (visit 2)"],
    ]);
    for (const m of out) expect(Buffer.isBuffer(m.value)).toBe(true);
    expect(out.filter((m) => m.topic === "raw")).toEqual([
      { topic: "raw", value: Buffer.from([0, 255]) },
      { topic: "raw", value: Buffer.from([0, 255]) },
      { topic: "raw", value: Buffer.from([0, 255]) },
    ]);
  });

  it("fails the step on a value of another type, naming the egress and the typename", async () => {
    const flow = new Dataflow("f");
    const egress: EgressMessage[] = [{ typename: "greeter.io/kafka", typedValue: { typename: "io.statefun.types/string", value: types.string.serialize("hi") } }];
    kafkaEgress("to_kafka", flow.input("in", new TestingSource(egress))).output("out", new TestingSink([]));
    const err = (await runFlow(flow).catch((e: unknown) => e)) as StepError;
    expect(err).toBeInstanceOf(StepError);
    expect(err.stepId).toBe("f.to_kafka");
    expect(err.cause).toBeInstanceOf(TypeError);
    expect(err.message).toBe(
      "error calling `kafkaEgress` in step 'f.to_kafka': TypeError: the egress 'greeter.io/kafka' got a 'io.statefun.types/string', " +
        "not a Kafka egress record ('type.googleapis.com/io.statefun.sdk.egress.KafkaProducerRecord', sent with kafkaEgressType)",
    );
  });
});

describe("Kafka -> kafkaIngress -> functions -> kafkaEgress -> Kafka, on the test broker", () => {
  const topics = new TestTopics();
  afterAll(() => topics.cleanup());

  it("greets every person of the input topic on the output topic, keyed by id", async () => {
    const [inTopic, outTopic] = await Promise.all([topics.create("fn-in", 1), topics.create("fn-out", 1)]);
    const person = (name: string) => Buffer.from(PERSON.serialize({ name }));
    await topics.produce(inTopic, [
      { key: "ann", value: person("Ann") },
      { key: "bob", value: person("Bob") },
      { key: "ann", value: person("Ann") },
      { key: "zoë", value: person("Zoë") },
    ]);

    const flow = new Dataflow("greeter");
    const records = flow.input("kafka_in", new KafkaSource({ brokers: brokers(), topics: [inTopic], tail: false }));
    const ingress = kafkaIngress("route", records, { [inTopic]: { valueType: PERSON.typename, targets: ["greeter.fns/person"] } });
    const result = applyFunctions("fns", ingress, [greeter(outTopic)]);
    kafkaEgress("to_kafka", result.egress("greeter.io/kafka")).output("kafka_out", new KafkaSink({ brokers: brokers() }));
    await runMain(flow, { epochInterval: 0 });

    // One address's records keep their order; different addresses' may interleave either way
    // (a batch's results come out in key order), so compare them sorted by key, stably.
    const back = (await readAll([outTopic])).map((m) => ({ topic: m.topic, key: m.key?.toString("utf8"), value: m.value?.toString("utf8") }));
    expect(back.sort((a, b) => (a.key! < b.key! ? -1 : a.key! > b.key! ? 1 : 0))).toEqual([
      { topic: outTopic, key: "ann", value: "Hello, Ann!" },
      { topic: outTopic, key: "ann", value: "Hello again, Ann (visit 2)" },
      { topic: outTopic, key: "bob", value: "Hello, Bob!" },
      { topic: outTopic, key: "zoë", value: "Hello, Zoë!" },
    ]);
  });
});

import { afterAll, describe, expect, it } from "vitest";
import { BuildError, Dataflow, StepError } from "../../../src/index.js";
import { runMain, TestingSink, TestingSource } from "../../../src/testing/index.js";
import { toJson } from "../../../src/visualize/index.js";
import {
  jsonCodec,
  kop,
  rawCodec,
  utf8Codec,
  type KafkaSinkMessage,
  type KafkaSourceError,
  type KafkaSourceMessage,
} from "../../../src/connectors/kafka/index.js";
import { brokers, readAll, TestTopics } from "./helpers.js";

const topics = new TestTopics();
afterAll(() => topics.cleanup());

/** A source message as `KafkaSource` makes them. */
function msg(offset: number, key: Buffer | null, value: Buffer | null): KafkaSourceMessage<Buffer | null, Buffer | null> {
  return { key, value, topic: "t", partition: 0, offset, timestamp: new Date(0), headers: {} };
}

describe("codecs", () => {
  it("round-trip JSON, UTF-8 and raw bytes", () => {
    const json = jsonCodec<{ a: number[] }>();
    expect(json.serialize({ a: [1] }).toString()).toBe('{"a":[1]}');
    expect(json.deserialize(Buffer.from('{"a":[2]}'))).toEqual({ a: [2] });
    expect(() => json.deserialize(Buffer.from("oops"))).toThrow(SyntaxError);
    expect(() => jsonCodec().serialize(undefined)).toThrow(TypeError);
    expect(() => jsonCodec().serialize(1n)).toThrow(TypeError);
    expect(utf8Codec().deserialize(utf8Codec().serialize("héllo"))).toBe("héllo");
    expect(() => utf8Codec().deserialize(Buffer.from([0xff, 0xfe]))).toThrow(TypeError);
    expect(() => utf8Codec().serialize(1 as never)).toThrow(TypeError);
    expect(rawCodec().serialize(new Uint8Array([1, 2]) as Buffer)).toEqual(Buffer.from([1, 2]));
    expect(() => rawCodec().serialize("x" as never)).toThrow(TypeError);
  });
});

describe("kop serde operators", () => {
  it("deserializeKey/Value split decodable messages from error items that keep the message", async () => {
    const input = [
      msg(0, Buffer.from("u1"), Buffer.from('{"n":1}')),
      msg(1, Buffer.from("u2"), Buffer.from("oops")),
      msg(2, null, null),
      msg(3, Buffer.from([0xff]), Buffer.from('{"n":3}')),
    ];
    const oks: unknown[] = [];
    const errs: KafkaSourceError<unknown, unknown>[] = [];
    const flow = new Dataflow("de");
    const src = flow.input("in", new TestingSource(input, 4));
    const keys = kop.deserializeKey("key", src, utf8Codec());
    const values = kop.deserializeValue("value", keys.oks, jsonCodec<{ n: number }>());
    values.oks.map("pair", (m) => [m.key, m.value, m.offset]).output("oks", new TestingSink(oks));
    keys.errs.output("key_errs", new TestingSink(errs));
    values.errs.output("value_errs", new TestingSink(errs));
    await runMain(flow);
    expect(oks).toEqual([
      ["u1", { n: 1 }, 0],
      [null, null, 2],
    ]);
    expect(errs.map((e) => [e.message?.offset, e.error.name, e.topic, e.partition])).toEqual([
      [3, "TypeError", "t", 0],
      [1, "SyntaxError", "t", 0],
    ]);
    // The error item holds the message as it came in (key already decoded for the value step).
    expect(errs[1].message).toMatchObject({ key: "u2", value: Buffer.from("oops") });
    expect(errs[0].message).toMatchObject({ key: Buffer.from([0xff]) });
  });

  it("serializeKey/Value encode keys and values, keep null and absent ones", async () => {
    const out: KafkaSinkMessage<Buffer | null, Buffer | null>[] = [];
    const flow = new Dataflow("ser");
    const items: KafkaSinkMessage<{ id: number } | null, string | null>[] = [
      { key: { id: 1 }, value: "é", topic: "x" },
      { key: null, value: null },
      { value: "v" },
    ];
    const src = flow.input("in", new TestingSource(items));
    kop.serializeValue("value", kop.serializeKey("key", src, jsonCodec()), utf8Codec()).output("out", new TestingSink(out));
    await runMain(flow);
    expect(out).toEqual([
      { key: Buffer.from('{"id":1}'), value: Buffer.from("é"), topic: "x" },
      { key: null, value: null },
      { value: Buffer.from("v") },
    ]);
  });

  it("a serializer failure fails the run with a StepError naming the step and the serializer", async () => {
    const flow = new Dataflow("ser_fail");
    const src = flow.input("in", new TestingSource<KafkaSinkMessage<string, unknown>>([{ value: 1n }]));
    kop.serializeValue("json", src, jsonCodec()).output("out", new TestingSink([]));
    const err = await runMain(flow).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StepError);
    expect((err as StepError).stepId).toBe("ser_fail.json");
    expect((err as StepError).message).toContain("error calling `serializer`");
    expect((err as StepError).cause).toBeInstanceOf(TypeError);
  });

  it("checks codecs when the flow is built", () => {
    const flow = new Dataflow("bad");
    const src = flow.input("in", new TestingSource([msg(0, null, null)]));
    expect(() => kop.deserializeValue("v", src, {} as never)).toThrow(BuildError);
    expect(() => kop.serializeKey("k", src, { deserialize: () => 1 } as never)).toThrow(/needs a serializer/);
  });
});

describe("kop.input and kop.output", () => {
  it("read JSON from one topic, transform, write to another, read back; bad values go to errs", async () => {
    const [src, dst] = await Promise.all([topics.create("kop-in", 2), topics.create("kop-out", 1)]);
    await topics.produce(src, [
      { key: "a", value: JSON.stringify({ n: 1 }), partition: 0 },
      { key: "b", value: "not json", partition: 1 },
      { key: "c", value: JSON.stringify({ n: 3 }), partition: 1 },
    ]);
    const errs: KafkaSourceError<unknown, unknown>[] = [];
    const flow = new Dataflow("kop");
    const read = kop.input("in", flow, { brokers: brokers(), topics: [src], tail: false });
    read.errs.output("read_errs", new TestingSink(errs));
    const decoded = kop.deserializeValue("json", read.oks, jsonCodec<{ n: number }>());
    decoded.errs.output("json_errs", new TestingSink(errs));
    const doubled = decoded.oks.map("double", (m) => ({ key: m.key, value: { n: m.value!.n * 2 } }));
    kop.output("out", kop.serializeValue("to_json", doubled, jsonCodec()), { brokers: brokers(), topic: dst });
    await runMain(flow, { epochInterval: 0 });

    expect(errs.map((e) => [e.message?.key?.toString(), e.error.name])).toEqual([["b", "SyntaxError"]]);
    const back = await readAll([dst]);
    expect(back.map((m) => [m.key?.toString(), m.value?.toString()]).sort()).toEqual([
      ["a", '{"n":2}'],
      ["c", '{"n":6}'],
    ]);
    const ids = toJson(flow);
    expect(ids).toContain("kop.in.kafka_input");
    expect(ids).toContain("kop.in.split_err");
    expect(ids).toContain("kop.out.kafka_output");
  });
});

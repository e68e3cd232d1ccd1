/**
 * StateFun's Kafka ingress and egress (src/functions/kafka.ts): the Kafka
 * egress record type against golden bytes from StateFun's Python SDK.
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
import { describe, expect, it } from "vitest";
import { kafkaEgressType, types, type KafkaEgressRecord } from "../../src/functions/index.js";

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

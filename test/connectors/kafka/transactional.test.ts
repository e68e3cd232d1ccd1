import { describe, expect, it } from "vitest";
import { BuildError } from "../../../src/index.js";
import { KafkaSink } from "../../../src/connectors/kafka/index.js";
import { KafkaTxnSink } from "../../../src/connectors/kafka/internal/kafkaTxnSink.js";
import { kafkajsClient } from "../../../src/connectors/kafka/internal/kafkaClient.js";
import { brokers, testClient } from "./helpers.js";
import { describeTransactionalSink, txnConfig } from "./transactionalCases.js";

// The cases every client passes (confluent.test.ts runs them through Confluent's client).
describeTransactionalSink("kafkajs", () => undefined);

describe("KafkaSink with transactional", () => {
  it("rejects bad options before the run", () => {
    expect(() => new KafkaSink({ brokers: brokers(), transactional: { id: "x" } })).toThrow(BuildError);
    expect(() => new KafkaSink({ brokers: brokers(), topic: "t", transactional: { id: "" } })).toThrow(/non-empty string id/);
    expect(() => new KafkaSink({ brokers: brokers(), topic: "t", acks: 1, transactional: { id: "x" } })).toThrow(/acks -1/);
    expect(new KafkaTxnSink(txnConfig("t", "x", kafkajsClient(testClient()))).partFn("2")).toBe(2);
  });
});

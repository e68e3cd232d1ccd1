import { Kafka, logLevel, type logCreator } from "kafkajs";
import { afterEach, describe, expect, it, vi } from "vitest";
import { KAFKAJS_RETRY, kafkaConfig, sluiceLogCreator } from "../../../src/connectors/kafka/internal/client.js";
import { captureStderr } from "../../support/stderr.js";

const stderr = captureStderr();
afterEach(() => {
  vi.unstubAllEnvs();
});

describe("kafkajs's log", () => {
  it("goes through Sluice's log: 'kafkajs [namespace]: message', with the broker when the message does not name it", () => {
    // What kafkajs does with a client's logCreator: one log function per client, fed by every namespace.
    const logger = new Kafka(kafkaConfig(["127.0.0.1:9"], undefined)).logger();
    logger.namespace("Connection").error("Connection error: connect ECONNREFUSED 127.0.0.1:9", { broker: "127.0.0.1:9", clientId: "sluice", stack: "Error: ..." });
    logger.namespace("Producer").warn("Failed to send messages: This server is not the leader for that topic-partition", { retryCount: 1 });
    logger.namespace("Consumer").info("Starting", { groupId: "g" }); // below the default level (WARN)
    logger.namespace("Consumer").error("Crash: KafkaJSNumberOfRetriesExceeded", { groupId: "g", broker: "127.0.0.1:9" });
    expect(stderr).toEqual([
      "sluice: kafkajs [Connection]: Connection error: connect ECONNREFUSED 127.0.0.1:9\n",
      "sluice: kafkajs [Producer]: Failed to send messages: This server is not the leader for that topic-partition\n",
      "sluice: kafkajs [Consumer]: Crash: KafkaJSNumberOfRetriesExceeded (broker 127.0.0.1:9)\n",
    ]);
  });

  it("writes a line repeated within 10 s once", () => {
    const log = sluiceLogCreator(logLevel.WARN);
    const entry = { namespace: "Connection", level: logLevel.ERROR, label: "ERROR", log: { timestamp: "", message: "Connection error: connect ECONNREFUSED 127.0.0.1:9" } };
    for (let i = 0; i < 5; i++) log(entry);
    log({ ...entry, log: { ...entry.log, message: "Connection error: connect ECONNREFUSED 127.0.0.1:10" } });
    expect(stderr).toHaveLength(2);
  });

  it("is JSON with Sluice's fields when SLUICE_LOG_FORMAT is json, levels mapped", () => {
    vi.stubEnv("SLUICE_LOG_FORMAT", "json");
    const log = sluiceLogCreator(logLevel.DEBUG);
    log({ namespace: "Connection", level: logLevel.ERROR, label: "ERROR", log: { timestamp: "t", message: "Connection error", broker: "h:1", stack: "..." } });
    log({ namespace: "", level: logLevel.WARN, label: "WARN", log: { timestamp: "t", message: "a warning" } });
    log({ namespace: "Runner", level: logLevel.DEBUG, label: "DEBUG", log: { timestamp: "t", message: "fetching", partition: 2 } });
    const lines = stderr.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toMatchObject([
      { level: "error", msg: "kafkajs [Connection]: Connection error (broker h:1)", event: "kafkajs", namespace: "Connection", broker: "h:1" },
      { level: "warn", msg: "kafkajs: a warning", event: "kafkajs" },
      { level: "info", msg: "kafkajs [Runner]: fetching (partition 2)", partition: 2 },
    ]);
    expect(lines[0]).not.toHaveProperty("stack");
    expect(lines[0]).not.toHaveProperty("logger");
  });

  it("is the user's own with clientConfig.logCreator and logLevel", () => {
    const mine: logCreator = () => () => {};
    expect(kafkaConfig(["h:1"], { logCreator: mine, logLevel: logLevel.NOTHING })).toMatchObject({ logCreator: mine, logLevel: logLevel.NOTHING });
    expect(kafkaConfig(["h:1"], undefined)).toMatchObject({ logCreator: sluiceLogCreator, logLevel: logLevel.WARN, clientId: "sluice", brokers: ["h:1"] });
  });
});

describe("kafkaConfig", () => {
  it("cuts kafkajs's own retries to about 2 s, unless the user sets retry", () => {
    expect(kafkaConfig(["h:1"], undefined).retry).toBe(KAFKAJS_RETRY);
    expect(kafkaConfig(["h:1"], { retry: { retries: 10 } }).retry).toEqual({ retries: 10 });
  });
});

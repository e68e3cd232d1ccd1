// Kafka messages crossing worker threads keep their Buffer keys and values.
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { cliMain } from "../../../dist/index.js";
import { brokers, readAll, TestTopics } from "./helpers.js";

const FLOW = fileURLToPath(new URL("./fixtures/exchangeFlow.ts", import.meta.url));
const topics = new TestTopics();
afterAll(() => topics.cleanup());

describe("Kafka messages on several workers", () => {
  it("a message keyed to another worker arrives with Buffer key and value, and is written back byte for byte", async () => {
    const input = await topics.create("ex-in", 2);
    const output = await topics.create("ex-out", 1);
    // Binary keys and values (not valid UTF-8), 40 keys spread over both workers.
    const messages = Array.from({ length: 400 }, (_, i) => ({
      key: Buffer.from([0xff, i % 40, 0x80]),
      value: Buffer.from([i & 0xff, i >> 8, 0xfe, 0x00, 0xc3]),
    }));
    await topics.produce(input, messages);
    process.env.KAFKA_BROKERS = brokers().join(",");
    process.env.EX_IN = input;
    process.env.EX_OUT = output;
    await cliMain(FLOW, "flow", { workers: 2, epochInterval: 100 });
    const written = await readAll([output]);
    const hex = (ms: { key: Buffer | null; value: Buffer | null }[]): string[] => ms.map((m) => `${m.key!.toString("hex")}=${m.value!.toString("hex")}`).sort();
    expect(hex(written)).toEqual(hex(messages));
  }, 60_000);
});

// kafkajs 2.2.4 hands a read_committed consumer records of aborted
// transactions when its fetch starts inside several of them (see
// src/connectors/kafka/internal/abortedRecords.ts). Against the real broker:
// three transactional producers interleave, abort, and a fourth commits; a
// KafkaSource starting inside the three aborted transactions must see only
// the committed record. Plus the filter on its own, on hand-made records.
import { afterAll, describe, expect, it } from "vitest";
import { Partitioners, type Producer } from "kafkajs";
import { readAll, TestTopics, testClient } from "./helpers.js";
import { withoutAborted } from "../../../src/connectors/kafka/internal/abortedRecords.js";

const topics = new TestTopics();
afterAll(() => topics.cleanup());

async function transactional(id: string): Promise<Producer> {
  const p = testClient().producer({ transactionalId: id, idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  await p.connect();
  return p;
}

describe("read_committed reads of a partition several transactional producers write", () => {
  it("a fetch starting inside three aborted transactions gets none of their records", async () => {
    const topic = await topics.create("aborted", 1);
    const [x, y, w, z] = await Promise.all(["x", "y", "w", "z"].map((n) => transactional(`${topic}-${n}`)));
    try {
      const [tx, ty, tw] = await Promise.all([x.transaction(), y.transaction(), w.transaction()]);
      // Offsets 0, 1, 2, 3: X, Y, W, W; then the three abort (markers 4, 5, 6).
      await tx.send({ topic, messages: [{ value: "x aborted", partition: 0 }] });
      await ty.send({ topic, messages: [{ value: "y aborted", partition: 0 }] });
      await tw.send({ topic, messages: [{ value: "w aborted 1", partition: 0 }] });
      await tw.send({ topic, messages: [{ value: "w aborted 2", partition: 0 }] });
      await tx.abort();
      await ty.abort();
      await tw.abort();
      const tz = await z.transaction();
      await tz.send({ topic, messages: [{ value: "z committed", partition: 0 }] });
      await tz.commit();
    } finally {
      await Promise.all([x, y, w, z].map((p) => p.disconnect()));
    }
    // From offset 3 (W's second record), inside all three aborted transactions.
    const fromInside = await readAll([topic], { startingOffset: 3 });
    expect(fromInside.map((m) => m.value!.toString())).toEqual(["z committed"]);
    const fromStart = await readAll([topic]);
    expect(fromStart.map((m) => m.value!.toString())).toEqual(["z committed"]);
  });
});

describe("withoutAborted", () => {
  const rec = (offset: number, producerId: string, extra: { control?: "abort" | "commit"; inTransaction?: boolean } = {}) => ({
    offset: String(offset),
    key: extra.control === undefined ? null : Buffer.from([0, 0, 0, extra.control === "abort" ? 0 : 1]),
    isControlRecord: extra.control !== undefined,
    batchContext: { producerId, inTransaction: extra.inTransaction ?? true },
  });

  it("drops every record of a transaction that started before the first record, whatever the list's order", () => {
    const records = [rec(3, "w"), rec(4, "x", { control: "abort" }), rec(5, "y", { control: "abort" }), rec(6, "w", { control: "abort" }), rec(7, "z"), rec(8, "z", { control: "commit" })];
    const aborted = [
      { producerId: "w", firstOffset: "2" },
      { producerId: "x", firstOffset: "0" },
      { producerId: "y", firstOffset: "1" },
    ];
    expect(withoutAborted(records, aborted).map((r) => r.offset)).toEqual(["4", "5", "6", "7", "8"]);
  });

  it("keeps a producer's records after its abort marker, and records outside transactions", () => {
    const records = [rec(0, "a"), rec(1, "a", { control: "abort" }), rec(2, "a"), rec(3, "b", { inTransaction: false })];
    expect(withoutAborted(records, [{ producerId: "a", firstOffset: "0" }]).map((r) => r.offset)).toEqual(["1", "2", "3"]);
    expect(withoutAborted(records, []).map((r) => r.offset)).toEqual(["0", "1", "2", "3"]);
  });
});

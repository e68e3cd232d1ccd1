/**
 * A `KafkaSource`'s consumer on Confluent's client: the part of kafkajs's
 * `Consumer` that `GroupReader` uses ({@link SourceConsumer}), on a
 * Confluent `KafkaJS.Consumer`.
 *
 * - Pinned partitions: Confluent's consumer has no custom partition
 *   assigner, but its `rebalance_cb`'s return value replaces the
 *   assignment. Each reader is alone in its group, so at each assignment
 *   it gets exactly `wanted()`; `GROUP_JOIN` is emitted after it (the reader
 *   then seeks each partition to its own offset).
 * - librdkafka heartbeats in the background and reconnects by itself: there
 *   is no `CRASH` (a failure of `connect`, `subscribe` or `run` still
 *   rejects).
 * - Batches of only control records (transaction markers) or aborted
 *   messages reach no `eachBatch`, so a partition read up to its end
 *   offset (`tail: false`) would never end after a final commit marker.
 *   Every {@link POSITION_CHECK_MS}, a partition whose consumer position is
 *   its high watermark but beyond what `eachBatch` was given is reported as
 *   an empty batch up to it (`END_BATCH_PROCESS`, `batchSize` 0), once it
 *   is quiet: no batch of it handled or under way since the check before,
 *   at the same position. (The position counts messages the client has
 *   taken from librdkafka but not handed out yet: reporting it at once
 *   skipped them, and lost results in the SIGKILL test.)
 *
 * @module
 * @internal
 */
import { EventEmitter } from "node:events";
import type { ConsumerConfig, ConsumerRunConfig } from "kafkajs";
import type { Assignment } from "./pinnedAssigner.js";
import type { SourceConsumer } from "./kafkaClient.js";

/** librdkafka's rebalance codes. */
const ERR__ASSIGN_PARTITIONS = -175;

/** How often the position of each assigned partition is reported (ms). */
const POSITION_CHECK_MS = 500;

/** kafkajs consumer options Confluent's kafkaJS block takes as they are. */
const PASSED = ["sessionTimeout", "rebalanceTimeout", "heartbeatInterval", "maxBytesPerPartition", "maxWaitTimeInMs", "minBytes", "maxBytes", "readUncommitted", "rackId"] as const;

/** The events `GroupReader` listens to, named as kafkajs names them. */
const EVENTS = { GROUP_JOIN: "consumer.group_join", CRASH: "consumer.crash", END_BATCH_PROCESS: "consumer.end_batch_process" } as const;

/** What is used of a Confluent `KafkaJS.Consumer`. */
interface ConfluentSourceConsumer {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  subscribe(s: { topics: string[] }): Promise<void>;
  run(config: Omit<ConsumerRunConfig, "autoCommit">): Promise<void>;
  seek(tpo: { topic: string; partition: number; offset: string }): void;
  pause(tps: { topic: string; partitions: number[] }[]): void;
  resume(tps: { topic: string; partitions: number[] }[]): void;
  /** The node-rdkafka consumer under it (Confluent marks it internal): for positions. */
  _getInternalClient(): {
    position(tps: { topic: string; partition: number }[]): { topic: string; partition: number; offset: number }[];
    getWatermarkOffsets(topic: string, partition: number): { highOffset: number };
  } | null;
}

/** What is known of one assigned partition, for reporting its position. */
interface Progress {
  /** The offset after the last message handed to `eachBatch` (or sought). */
  delivered: number;
  /** `eachBatch` calls under way. */
  inFlight: number;
  /** Whether a batch was handled since the last check. */
  touched: boolean;
  /** The position at the last check. */
  seen: number;
}

/** @internal A {@link SourceConsumer} on `makeConsumer(config)`, a Confluent `KafkaJS.Consumer`. */
export function confluentSourceConsumer(
  makeConsumer: (config: Record<string, unknown>) => unknown,
  config: ConsumerConfig,
  wanted: () => Assignment,
): SourceConsumer {
  const emitter = new EventEmitter();
  let assigned: { topic: string; partition: number }[] = [];
  const progress = new Map<string, Progress>();
  const of = (topic: string, partition: number): Progress => {
    const key = `${topic}\u0000${partition}`;
    let p = progress.get(key);
    if (p === undefined) progress.set(key, (p = { delivered: -1, inFlight: 0, touched: false, seen: -1 }));
    return p;
  };
  let timer: NodeJS.Timeout | undefined;
  const kafkaJS: Record<string, unknown> = { groupId: config.groupId, autoCommit: false, fromBeginning: true };
  for (const k of PASSED) if (config[k] !== undefined) kafkaJS[k] = config[k];
  const c = makeConsumer({
    kafkaJS,
    rebalance_cb: (err: { code: number }) => {
      if (err.code !== ERR__ASSIGN_PARTITIONS) {
        assigned = [];
        return null;
      }
      const out: { topic: string; partition: number }[] = [];
      for (const [topic, partitions] of Object.entries(wanted())) for (const partition of partitions) out.push({ topic, partition });
      assigned = out;
      progress.clear();
      // After the assignment is applied (it is, once this returns).
      setImmediate(() => emitter.emit(EVENTS.GROUP_JOIN, { type: EVENTS.GROUP_JOIN, payload: {} }));
      return out;
    },
  }) as ConfluentSourceConsumer;

  const reportPositions = (): void => {
    const internal = c._getInternalClient();
    if (internal === null || assigned.length === 0) return;
    let positions: { topic: string; partition: number; offset: number }[];
    try {
      positions = internal.position(assigned);
    } catch {
      return;
    }
    for (const p of positions) {
      if (!(p.offset >= 0)) continue;
      const s = of(p.topic, p.partition);
      const quiet = s.inFlight === 0 && !s.touched && s.seen === p.offset;
      s.touched = false;
      s.seen = p.offset;
      if (!quiet || p.offset <= s.delivered) continue;
      let high: number;
      try {
        high = internal.getWatermarkOffsets(p.topic, p.partition).highOffset;
      } catch {
        continue;
      }
      if (p.offset !== high) continue;
      s.delivered = p.offset;
      const payload = { topic: p.topic, partition: p.partition, batchSize: 0, lastOffset: String(p.offset - 1) };
      emitter.emit(EVENTS.END_BATCH_PROCESS, { type: EVENTS.END_BATCH_PROCESS, payload });
    }
  };

  const consumer = {
    events: EVENTS,
    on(event: string, listener: (e: unknown) => void) {
      emitter.on(event, listener);
      return () => emitter.off(event, listener);
    },
    connect: () => c.connect(),
    subscribe: ({ topics }: { topics: string[] }) => c.subscribe({ topics }),
    async run(run: ConsumerRunConfig) {
      const { autoCommit: _autoCommit, eachBatch, ...rest } = run;
      await c.run({
        ...rest,
        eachBatch: async (payload) => {
          const s = of(payload.batch.topic, payload.batch.partition);
          s.inFlight++;
          s.touched = true;
          try {
            await eachBatch!(payload);
          } finally {
            s.inFlight--;
            s.touched = true;
            s.delivered = Math.max(s.delivered, Number(payload.batch.lastOffset()) + 1);
          }
        },
      });
      timer ??= setInterval(reportPositions, POSITION_CHECK_MS);
    },
    seek(tpo: { topic: string; partition: number; offset: string }) {
      const s = of(tpo.topic, tpo.partition);
      s.delivered = Number(tpo.offset);
      s.seen = -1;
      c.seek(tpo);
    },
    pause: (tps: { topic: string; partitions: number[] }[]) => c.pause(tps),
    resume: (tps: { topic: string; partitions: number[] }[]) => c.resume(tps),
    async disconnect() {
      clearInterval(timer);
      emitter.removeAllListeners();
      await c.disconnect();
    },
  };
  // Structurally the members GroupReader calls; kafkajs's overloads of `on` and its event payload types are wider.
  return consumer as unknown as SourceConsumer;
}

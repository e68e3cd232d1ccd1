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
 *   messages reach no `eachBatch`: every {@link POSITION_CHECK_MS} the
 *   consumer's position on each assigned partition is reported as an empty
 *   batch (`END_BATCH_PROCESS`, `batchSize` 0), so a partition read up to
 *   its end offset (`tail: false`) ends after a final commit marker.
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
  _getInternalClient(): { position(tps: { topic: string; partition: number }[]): { topic: string; partition: number; offset: number }[] } | null;
}

/** @internal A {@link SourceConsumer} on `makeConsumer(config)`, a Confluent `KafkaJS.Consumer`. */
export function confluentSourceConsumer(
  makeConsumer: (config: Record<string, unknown>) => unknown,
  config: ConsumerConfig,
  wanted: () => Assignment,
): SourceConsumer {
  const emitter = new EventEmitter();
  let assigned: { topic: string; partition: number }[] = [];
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
      const { autoCommit: _autoCommit, ...rest } = run;
      await c.run(rest);
      timer ??= setInterval(reportPositions, POSITION_CHECK_MS);
    },
    seek: (tpo: { topic: string; partition: number; offset: string }) => c.seek(tpo),
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

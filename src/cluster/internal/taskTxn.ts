/**
 * A task's Kafka transaction per epoch: what the task wrote during the epoch
 * (repartition records, sink messages), its changed states (changelog
 * records) and the epoch itself commit together or not at all.
 *
 * Fencing: the producer's transactional id is the task's
 * (`<app>-task-<p>`), the same in every process. Registering it (the first
 * `transaction()`) aborts a transaction a previous owner left open and
 * makes every later call of that owner's producer fail, so a process that
 * is presumed dead (killed, or cut off) cannot commit once the task runs
 * elsewhere. The new owner registers before it restores the task's state,
 * so it restores everything the previous owner committed.
 *
 * @module
 * @internal
 */
import { Partitioners, type Kafka, type Message, type Producer } from "kafkajs";
import type { EncodedSnapshot } from "../../run/internal/node.js";
import { toRequests, topicMessagesOf } from "../../connectors/kafka/internal/sinkMessage.js";
import type { OutgoingMessage } from "../../connectors/kafka/internal/messageCodec.js";
import type { TaskCache } from "./taskCache.js";

/** @internal Key of a task's epoch record in the changelog (no step id starts with NUL). */
export const EPOCH_KEY = "\u0000epoch";

/** @internal The changelog key of `stateKey` of step `stepId`. */
export function changelogKey(stepId: string, stateKey: string): string {
  return `${stepId}\u0000${stateKey}`;
}

/** How long a transaction may stay open before the brokers abort it (ms): an owner that died holds its task's readers this long at most. */
const TRANSACTION_TIMEOUT_MS = 60_000;

/** @internal What the task committed last: the epoch, and the run's execution number. */
export interface EpochRecord {
  readonly epoch: number;
  readonly execution: number;
}

/** @internal One task's transactional producer and the messages of its open epoch. */
export class TaskTxn {
  private outbox: OutgoingMessage[] = [];
  private readonly producer: Producer;
  /** The execution number the epoch records carry (set once the task is restored). */
  execution = 0;
  /** The task's local cache, told each committed epoch (with `--state-dir`). */
  cache: TaskCache | undefined;

  constructor(
    kafka: Kafka,
    readonly transactionalId: string,
    private readonly changelog: string,
    private readonly task: number,
  ) {
    this.producer = kafka.producer({
      transactionalId,
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: TRANSACTION_TIMEOUT_MS,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
  }

  /** Connect and register the transactional id: the previous owner is fenced, its open transaction aborted. */
  async fence(): Promise<void> {
    await this.producer.connect();
    const t = await this.producer.transaction();
    await t.commit();
  }

  /** Add a message to the open epoch. */
  add(topic: string, message: Message): void {
    this.outbox.push({ topic, message });
  }

  /**
   * Commit epoch `epoch`: everything added since the last call, the changed
   * states `entries` and the epoch record, in one transaction. The messages
   * are taken at once (the next epoch's go to a new outbox), so the flow
   * may go on while this commits.
   */
  commit(epoch: number, entries: readonly EncodedSnapshot[]): Promise<void> {
    const messages = this.outbox;
    this.outbox = [];
    for (const e of entries) {
      const value = e.bytes === null ? null : Buffer.from(e.bytes.buffer, e.bytes.byteOffset, e.bytes.byteLength);
      messages.push({ topic: this.changelog, message: { key: changelogKey(e.stepId, e.stateKey), value, partition: this.task } });
    }
    const record: EpochRecord = { epoch, execution: this.execution };
    messages.push({ topic: this.changelog, message: { key: EPOCH_KEY, value: JSON.stringify(record), partition: this.task } });
    return this.send(messages).then((next) => this.cache?.committed(epoch, this.execution, entries, next, Date.now()));
  }

  /** Send `messages` in one transaction and commit it; the changelog offset after the last of them. */
  private async send(messages: OutgoingMessage[]): Promise<number> {
    const t = await this.producer.transaction();
    let next = -1;
    try {
      for (const request of toRequests(messages)) {
        const topicMessages = topicMessagesOf(request);
        const written = await t.sendBatch({ topicMessages });
        let count = 0;
        for (const tm of topicMessages) if (tm.topic === this.changelog) for (const m of tm.messages) if (m.partition === this.task) count++;
        if (count === 0) continue;
        const meta = written.find((r) => r.topicName === this.changelog && r.partition === this.task);
        if (meta?.baseOffset !== undefined) next = Number(meta.baseOffset) + count;
      }
      await t.commit();
    } catch (err) {
      await t.abort().catch(() => undefined);
      throw err;
    }
    return next;
  }

  /** Messages added since the last commit (they are dropped if the task stops now). */
  get open(): number {
    return this.outbox.length;
  }

  async close(): Promise<void> {
    this.outbox = [];
    await this.producer.disconnect().catch(() => undefined);
  }
}

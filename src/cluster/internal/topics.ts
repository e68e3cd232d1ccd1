/**
 * The Kafka topics of a cluster application: one repartition topic per
 * keyed exchange, one compacted changelog for every task's state; their
 * names, and creating them (with the application's partition count) when
 * they do not exist.
 *
 * @module
 * @internal
 */
import type { Admin } from "kafkajs";
import { ConnectorError, causeText } from "../../errors.js";

/** Characters Kafka allows in a topic name; any other becomes `_`. */
const ILLEGAL = /[^a-zA-Z0-9._-]/g;

/** @internal The repartition topic in front of step `stepId`: `<app>-<step>-repartition`. */
export function repartitionTopic(applicationId: string, stepId: string): string {
  return `${applicationId}-${stepId}-repartition`.replace(ILLEGAL, "_");
}

/** @internal The changelog of every task's state: `<app>-changelog`, partition `p` for task `p`. */
export function changelogTopic(applicationId: string): string {
  return `${applicationId}-changelog`.replace(ILLEGAL, "_");
}

/** @internal The topic the application's consumer group subscribes to: one partition per task, no records; the group's assignment of it is the tasks' (`<app>-tasks`). */
export function tasksTopic(applicationId: string): string {
  return `${applicationId}-tasks`.replace(ILLEGAL, "_");
}

/** @internal The transactional id of task `task`: the same in every process, so a new owner fences the previous one. */
export function taskTransactionalId(applicationId: string, task: number): string {
  return `${applicationId}-task-${task}`;
}

/** @internal A topic the application needs, and whether it is compacted. */
export interface NeededTopic {
  readonly topic: string;
  readonly compacted: boolean;
}

/**
 * @internal Check that the topics of `needed` that exist have exactly
 * `partitions` partitions (a different count would send keys to other tasks
 * than their state), then create those that do not exist. Nothing is
 * created when a count is wrong, so a wrong `--partitions` leaves the
 * application as it was.
 *
 * @throws ConnectorError naming a topic whose partition count differs, or
 *   what the brokers refused.
 */
export async function ensureTopics(admin: Admin, needed: readonly NeededTopic[], partitions: number, replicationFactor: number): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const present = needed.filter((t) => existing.has(t.topic));
  if (present.length > 0) checkCounts(await admin.fetchTopicMetadata({ topics: present.map((t) => t.topic) }), partitions);
  const missing = needed.filter((t) => !existing.has(t.topic));
  if (missing.length === 0) return;
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((t) => ({
        topic: t.topic,
        numPartitions: partitions,
        replicationFactor,
        configEntries: t.compacted ? [{ name: "cleanup.policy", value: "compact" }] : [],
      })),
    });
  } catch (err) {
    // Another process of the application may have created them meanwhile: the check below decides.
    if ((err as { type?: unknown }).type !== "TOPIC_ALREADY_EXISTS" && !causeText(err).includes("already exists")) {
      throw new ConnectorError(`cannot create the cluster topics ${missing.map((t) => `'${t.topic}'`).join(", ")}: ${causeText(err)}`, { cause: err });
    }
  }
  checkCounts(await admin.fetchTopicMetadata({ topics: missing.map((t) => t.topic) }), partitions);
}

function checkCounts(meta: { topics: { name: string; partitions: unknown[] }[] }, partitions: number): void {
  for (const t of meta.topics) {
    if (t.partitions.length !== partitions) {
      throw new ConnectorError(
        `topic '${t.name}' has ${t.partitions.length} partitions, but the application has ${partitions} tasks: ` +
          `the application's topics keep the partition count they were created with (give that count, or delete the application's topics to start over with another)`,
      );
    }
  }
}

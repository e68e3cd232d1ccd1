/**
 * Listing the partitions of topics with a kafkajs admin client: `listTopics`
 * (to name the missing ones), then `fetchTopicMetadata`, within a time limit.
 *
 * @module
 * @internal
 */
import type { Admin, Kafka } from "kafkajs";
import { ConnectorError } from "../../../errors.js";
import { connectorError } from "./client.js";

/** @internal A topic and its partition numbers, sorted. */
export interface TopicPartitions {
  readonly topic: string;
  readonly partitions: readonly number[];
}

/**
 * @internal List the partitions of `topics` with an admin client of
 * `client`, giving up after `timeoutMs`. `brokers` only names the cluster in
 * messages.
 *
 * @throws ConnectorError naming the missing topics, or why the brokers could
 *   not be asked (`retriable: true` after `timeoutMs`).
 */
export async function listPartitions(
  who: string,
  client: Kafka,
  brokers: readonly string[],
  topics: readonly string[],
  timeoutMs: number,
): Promise<TopicPartitions[]> {
  const admin = client.admin();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      // Stop whatever the admin is still trying (connecting, retrying); its own rejection is then ignored.
      void admin.disconnect().catch(() => {});
      reject(
        new ConnectorError(`${who} could not list the partitions of ${topics.join(", ")} on ${brokers.join(",")} within ${timeoutMs} ms`, {
          retriable: true,
        }),
      );
    }, timeoutMs);
  });
  try {
    return await Promise.race([ask(who, admin, brokers, topics), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

async function ask(who: string, admin: Admin, brokers: readonly string[], topics: readonly string[]): Promise<TopicPartitions[]> {
  try {
    await admin.connect();
    const known = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !known.has(t));
    if (missing.length > 0) throw missingTopics(who, brokers, missing, known.size);
    const { topics: listed } = await admin.fetchTopicMetadata({ topics: [...topics] });
    return listed.map((t) => ({ topic: t.name, partitions: t.partitions.map((p) => p.partitionId).sort((a, b) => a - b) }));
  } catch (err) {
    if (err instanceof ConnectorError) throw err;
    throw connectorError(`${who} could not list partitions on ${brokers.join(",")}`, err);
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

function missingTopics(who: string, brokers: readonly string[], missing: readonly string[], known: number): ConnectorError {
  const s = missing.length === 1 ? "" : "s";
  return new ConnectorError(
    `${who}: topic${s} ${missing.map((t) => `'${t}'`).join(", ")} do${s ? "" : "es"} not exist on ${brokers.join(",")} ` +
      `(the cluster has ${known} other topic${known === 1 ? "" : "s"}); create ${s ? "them" : "it"} first`,
  );
}

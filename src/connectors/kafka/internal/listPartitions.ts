/**
 * Listing the partitions of topics with a kafkajs admin client: `listTopics`
 * (to name the missing ones), then `fetchTopicMetadata`, retried through a
 * broker outage.
 *
 * @module
 * @internal
 */
import type { KafkaAdmin, KafkaClient } from "./kafkaClient.js";
import { ConnectorError } from "../../../errors.js";
import { withRetries } from "../../../internal/backoff.js";
import { connectorError } from "./client.js";
import { isExplainedFailure } from "./securityFailure.js";

/** @internal A topic and its partition numbers, sorted. */
export interface TopicPartitions {
  readonly topic: string;
  readonly partitions: readonly number[];
}

/** Longest wait for one attempt (connect, list, fetch metadata), in ms. */
const ATTEMPT_TIMEOUT_MS = 30_000;

/**
 * @internal List the partitions of `topics` with an admin client of
 * `client`. A failure that may pass (the brokers cannot be reached, or an
 * attempt took more than 30 s or `outageTimeoutMs`, whichever is less) is
 * retried for up to `outageTimeoutMs`. `brokers` only names the cluster in
 * messages.
 *
 * @throws ConnectorError naming the missing topics (at once), why the
 *   brokers could not be asked (not retriable), or that they could not be
 *   reached for `outageTimeoutMs`.
 */
export function listPartitions(
  who: string,
  client: KafkaClient,
  brokers: readonly string[],
  topics: readonly string[],
  outageTimeoutMs: number,
): Promise<TopicPartitions[]> {
  const timeoutMs = Math.min(ATTEMPT_TIMEOUT_MS, outageTimeoutMs);
  return withRetries(() => listOnce(who, client, brokers, topics, timeoutMs), {
    what: `${who} listing the partitions of ${topics.map((t) => `'${t}'`).join(", ")}`,
    target: brokers.join(","),
    giveUpAfterMs: outageTimeoutMs,
  });
}

/** One attempt, with a new admin client, given up (retriably) after `timeoutMs`. */
async function listOnce(who: string, client: KafkaClient, brokers: readonly string[], topics: readonly string[], timeoutMs: number): Promise<TopicPartitions[]> {
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

async function ask(who: string, admin: KafkaAdmin, brokers: readonly string[], topics: readonly string[]): Promise<TopicPartitions[]> {
  try {
    await admin.connect();
    const known = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !known.has(t));
    if (missing.length > 0) throw missingTopics(who, brokers, missing, known.size);
    const { topics: listed } = await admin.fetchTopicMetadata({ topics: [...topics] });
    return listed.map((t) => ({ topic: t.name, partitions: t.partitions.map((p) => p.partitionId).sort((a, b) => a - b) }));
  } catch (err) {
    // Missing topics: said in full already.
    if (err instanceof ConnectorError && !isExplainedFailure(err)) throw err;
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

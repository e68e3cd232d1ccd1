/**
 * Building kafkajs clients from the connectors' options, and checking the
 * options they share.
 *
 * @module
 * @internal
 */
import { Kafka, logLevel, type KafkaConfig } from "kafkajs";
import { BuildError, ConnectorError, causeText } from "../../../errors.js";
import type { KafkaClientConfig } from "../config.js";
import { avoidNegativeTimeouts } from "./negativeTimeouts.js";

/** @internal Check `brokers` (a non-empty array of `host:port` strings); a copy of it. */
export function checkBrokers(who: string, brokers: unknown): string[] {
  if (!Array.isArray(brokers) || brokers.length === 0) {
    throw new BuildError(`${who} needs \`brokers\`: a non-empty array of "host:port" strings`);
  }
  for (const b of brokers) {
    if (typeof b !== "string" || !/^[^\s:]+:\d+$|^\[[0-9a-fA-F:.]+\]:\d+$/.test(b)) {
      throw new BuildError(`${who}: broker address ${JSON.stringify(b)} is not of the form "host:port"`);
    }
  }
  return [...(brokers as string[])];
}

/** @internal Check that `client`, if given, looks like a kafkajs `Kafka` instance. */
export function checkClient(who: string, client: unknown): Kafka | undefined {
  if (client === undefined) return undefined;
  const c = client as Partial<Record<"consumer" | "producer" | "admin", unknown>> | null;
  if (c === null || typeof c !== "object" || typeof c.consumer !== "function" || typeof c.producer !== "function" || typeof c.admin !== "function") {
    throw new BuildError(`${who}: \`client\` must be a kafkajs Kafka instance`);
  }
  return client as Kafka;
}

/** @internal Check an optional object option. */
export function checkObject(who: string, name: string, value: unknown): void {
  if (value !== undefined && (value === null || typeof value !== "object" || Array.isArray(value))) {
    throw new BuildError(`${who}: \`${name}\` must be an object of kafkajs options`);
  }
}

/**
 * @internal The kafkajs config the connectors use: Sluice's defaults
 * (`clientId: "sluice"`, warnings and errors logged), then the user's options,
 * then the brokers.
 */
export function kafkaConfig(brokers: string[], config: KafkaClientConfig | undefined): KafkaConfig {
  return { clientId: "sluice", logLevel: logLevel.WARN, ...config, brokers };
}

/** @internal The injected client, or a new one (kafkajs fixed for Node.js 24 first: see `negativeTimeouts.ts`). */
export function makeClient(brokers: string[], config: KafkaClientConfig | undefined, client: Kafka | undefined): Kafka {
  avoidNegativeTimeouts();
  return client ?? new Kafka(kafkaConfig(brokers, config));
}

/** @internal Whether kafkajs says trying again may succeed. */
export function isRetriable(err: unknown): boolean {
  return typeof err === "object" && err !== null && (err as { retriable?: unknown }).retriable === true;
}

/** @internal A `ConnectorError` wrapping a kafkajs failure. */
export function connectorError(what: string, cause: unknown): ConnectorError {
  return new ConnectorError(`${what}: ${causeText(cause)}`, { retriable: isRetriable(cause), cause });
}

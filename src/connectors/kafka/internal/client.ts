/**
 * Building kafkajs clients from the connectors' options, and checking the
 * options they share.
 *
 * @module
 * @internal
 */
import { Kafka, logLevel, type KafkaConfig, type LogEntry, type logCreator, type RetryOptions } from "kafkajs";
import { BuildError, ConnectorError, causeText, describeType } from "../../../errors.js";
import { isRetriableError } from "../../../internal/backoff.js";
import { StderrLog, type LogFields } from "../../../internal/stderrLog.js";
import type { KafkaClientConfig } from "../config.js";
import { dropAbortedRecords } from "./abortedRecords.js";
import { avoidNegativeTimeouts } from "./negativeTimeouts.js";
import { isKafkaClient, kafkajsClient, type KafkaClient } from "./kafkaClient.js";
import { explainSecurityFailure, securityExplainer, type Login } from "./securityFailure.js";

/** @internal How long a connector rides out a broker outage by default (`outageTimeout`), in ms. */
export const DEFAULT_OUTAGE_TIMEOUT_MS = 60_000;

/**
 * @internal kafkajs's own retries in the clients Sluice makes: about 2 s
 * (300, 600, 1200 ms), then the connector's `withRetries` loop takes over
 * for up to `outageTimeout`. (kafkajs's default, 5 retries, is about 10 s
 * per call, and its consumer restarts itself forever.)
 */
export const KAFKAJS_RETRY: RetryOptions = { retries: 3, initialRetryTime: 300, maxRetryTime: 2000 };

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

/**
 * @internal Check that `client`, if given, is a {@link KafkaClient} (from
 * `confluentClient`) or looks like a kafkajs `Kafka` instance; the client
 * (a kafkajs one with its login and TLS failures explained, naming
 * `brokers`: see {@link explainSecurityFailure}).
 */
export function checkClient(who: string, client: unknown, brokers: readonly string[]): KafkaClient | undefined {
  if (client === undefined) return undefined;
  if (isKafkaClient(client)) return client;
  const c = client as Partial<Record<"consumer" | "producer" | "admin", unknown>> | null;
  if (c === null || typeof c !== "object" || typeof c.consumer !== "function" || typeof c.producer !== "function" || typeof c.admin !== "function") {
    throw new BuildError(`${who}: \`client\` must be a kafkajs Kafka instance or a client from \`confluentClient\``);
  }
  // Its options are its own (kafkajs keeps them private): the explanations name no mechanism or user.
  const login: Login = { options: "client" };
  return kafkajsClient(client as Kafka, (err) => explainSecurityFailure(err, brokers, login) ?? err);
}

/** @internal Check an optional object option. */
export function checkObject(who: string, name: string, value: unknown): void {
  if (value !== undefined && (value === null || typeof value !== "object" || Array.isArray(value))) {
    throw new BuildError(`${who}: \`${name}\` must be an object of kafkajs options`);
  }
}

/** @internal Check `outageTimeout` (a number of ms > 0, default 60 s); its value. */
export function checkOutageTimeout(who: string, value: unknown): number {
  if (value === undefined) return DEFAULT_OUTAGE_TIMEOUT_MS;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new BuildError(`${who} \`outageTimeout\` must be a number of ms > 0; got ${typeof value === "number" ? String(value) : describeType(value)}`);
  }
  return value;
}

/**
 * @internal The kafkajs config the connectors use: Sluice's defaults
 * (`clientId: "sluice"`, warnings and errors logged to Sluice's log, short
 * kafkajs retries: see {@link KAFKAJS_RETRY}), then the user's options, then
 * the brokers.
 */
export function kafkaConfig(brokers: string[], config: KafkaClientConfig | undefined): KafkaConfig {
  return { clientId: "sluice", logLevel: logLevel.WARN, logCreator: sluiceLogCreator, retry: KAFKAJS_RETRY, ...config, brokers };
}

/** kafkajs's warning when an idempotent producer has a bounded number of retries. */
const LIMITED_RETRIES = "Limiting retries for the idempotent producer may invalidate EoS guarantees";

/** Fields of kafkajs log entries that are not worth a line (the message says it, or it is long). */
const LEFT_OUT = new Set(["timestamp", "logger", "message", "stack"]);
/** Fields of kafkajs log entries that the text line names, when the message does not. */
const IN_TEXT = ["broker", "topic", "partition", "error"];

/** A kafkajs line written less than this long ago (ms) is not written again. */
const REPEAT_AFTER_MS = 10_000;

/**
 * @internal A kafkajs `logCreator` writing kafkajs's log lines to Sluice's
 * log (stderr, text or JSON as `SLUICE_LOG_FORMAT` says) instead of raw
 * JSON: "kafkajs [Connection]: Connection error: connect ECONNREFUSED …".
 * kafkajs's ERROR is Sluice's error, WARN warn, INFO and DEBUG info. A line
 * the same client wrote less than 10 s before is left out (while a broker is
 * down, kafkajs says "Connection error" at every attempt).
 */
export const sluiceLogCreator: logCreator = () => {
  const log = StderrLog.fromEnv();
  const written = new Map<string, number>();
  return ({ namespace, level, log: entry }: LogEntry): void => {
    const message = String(entry.message);
    // The transactional sink limits kafkajs's retries on purpose (Sluice's backoff is in charge of outages) and keeps
    // exactly-once by replaying with a new producer after a failure: kafkajs's warning about it is not the user's concern.
    if (message === LIMITED_RETRIES) return;
    const fields: Record<string, string | number | boolean | undefined> = { event: "kafkajs", namespace: namespace || undefined };
    for (const [name, value] of Object.entries(entry)) {
      if (LEFT_OUT.has(name) || name in fields) continue;
      if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") fields[name] = value;
    }
    const details = IN_TEXT.filter((name) => fields[name] !== undefined && !message.includes(String(fields[name]))).map((name) => `${name} ${String(fields[name])}`);
    const msg = `kafkajs${namespace ? ` [${namespace}]` : ""}: ${message}${details.length > 0 ? ` (${details.join(", ")})` : ""}`;
    const now = Date.now();
    if (now - (written.get(msg) ?? -Infinity) < REPEAT_AFTER_MS) return;
    if (written.size >= 1000) written.clear();
    written.set(msg, now);
    log.log({ level: level === logLevel.ERROR ? "error" : level === logLevel.WARN ? "warn" : "info", msg, fields: fields as LogFields });
  };
};

/**
 * @internal The injected client, or a new kafkajs one (kafkajs fixed for
 * Node.js 24 first: see `negativeTimeouts.ts`) whose login and TLS
 * failures are explained ({@link explainSecurityFailure}).
 */
export function makeClient(brokers: string[], config: KafkaClientConfig | undefined, client: KafkaClient | undefined): KafkaClient {
  avoidNegativeTimeouts();
  dropAbortedRecords();
  return client ?? kafkajsClient(new Kafka(kafkaConfig(brokers, config)), securityExplainer(brokers, config));
}

/**
 * @internal Whether trying a kafkajs call again may succeed:
 * {@link isRetriableError}, except for a topic that does not exist (kafkajs
 * calls `UNKNOWN_TOPIC_OR_PARTITION` retriable, but retrying it for a whole
 * `outageTimeout` only delays the error).
 */
export function isRetriable(err: unknown): boolean {
  if (!isRetriableError(err)) return false;
  for (let e = err, depth = 0; typeof e === "object" && e !== null && depth < 16; depth++) {
    if ((e as { type?: unknown }).type === "UNKNOWN_TOPIC_OR_PARTITION") return false;
    e = (e as { cause?: unknown }).cause;
  }
  return true;
}

/**
 * @internal A `ConnectorError` wrapping a kafkajs failure, retriable if
 * {@link isRetriable}. A `ConnectorError` cause (a failure the client
 * explained) is quoted without its class name.
 */
export function connectorError(what: string, cause: unknown): ConnectorError {
  return new ConnectorError(`${what}: ${cause instanceof ConnectorError ? cause.message : causeText(cause)}`, { retriable: isRetriable(cause), cause });
}

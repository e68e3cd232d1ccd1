/**
 * What a Kafka failure says, for the code that decides what to do with it:
 * the transactional sink, and the cluster's tasks.
 *
 * @module
 * @internal
 */
import { isRetriableError } from "../../../internal/backoff.js";

/** Kafka errors after which retrying cannot help (kafkajs's names; librdkafka's, `ERR_…`, are read without the prefix). */
const FATAL = new Set([
  "PRODUCER_FENCED",
  // librdkafka's local error for a fenced producer (ERR__FENCED).
  "FENCED",
  "INVALID_PRODUCER_EPOCH",
  "TRANSACTIONAL_ID_AUTHORIZATION_FAILED",
  "TOPIC_AUTHORIZATION_FAILED",
  "GROUP_AUTHORIZATION_FAILED",
  "CLUSTER_AUTHORIZATION_FAILED",
  "MESSAGE_TOO_LARGE",
  "RECORD_LIST_TOO_LARGE",
  "INVALID_RECORD",
  "INVALID_TRANSACTION_TIMEOUT",
  "UNSUPPORTED_VERSION",
  "UNSUPPORTED_FOR_MESSAGE_FORMAT",
]);

/**
 * @internal The Kafka error type of `err` or of its causes (kafkajs's
 * `type`, also behind `originalError`; librdkafka's codes without `ERR_`).
 */
export function errorType(err: unknown): string | undefined {
  for (let e = err, depth = 0; typeof e === "object" && e !== null && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const type = (e as { type?: unknown }).type;
    // Confluent's client names errors by librdkafka's codes: "ERR_INVALID_PRODUCER_EPOCH", "ERR__FENCED".
    if (typeof type === "string") return type.replace(/^ERR_+/, "");
    const original = (e as { originalError?: unknown }).originalError;
    if (original !== undefined) return errorType(original);
  }
  return undefined;
}

/** @internal Whether `err` says a producer was fenced: another one registered its transactional id. */
export function isFenced(err: unknown): boolean {
  const type = errorType(err);
  return type === "PRODUCER_FENCED" || type === "FENCED" || type === "INVALID_PRODUCER_EPOCH";
}

/** @internal Whether a failure may go away with a new producer or consumer: not a fatal Kafka error, and retriable or kafkajs's own. */
export function mayPassWithNewClient(err: unknown): boolean {
  const type = errorType(err);
  if (type !== undefined && FATAL.has(type)) return false;
  if (isRetriableError(err)) return true;
  // kafkajs's own errors (connection lost, request timed out, a coordinator moving…): a new producer starts over.
  const name = (err as { name?: unknown } | null)?.name;
  return typeof name === "string" && name.startsWith("KafkaJS");
}

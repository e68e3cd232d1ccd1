/**
 * Riding out an outage: retry what failed for a reason that may go away
 * (a broker or service that is down or restarting), with exponential
 * backoff, for a bounded time, saying so in Sluice's log.
 *
 * Generic: nothing here knows Kafka. kafkajs errors are recognised by their
 * names and fields, so this module imports no client library.
 *
 * @module
 * @internal
 */
import { ConnectorError, causeText } from "../errors.js";
import { StderrLog } from "./stderrLog.js";

/** @internal How {@link withRetries} retries, and what it names in its log lines and final error. */
export interface RetryOptions {
  /** What is tried, for log lines and the final error, e.g. "KafkaSink in step 'out' sending 12 messages to 'totals'". */
  readonly what: string;
  /** Broker(s) or service named in the final error, e.g. "127.0.0.1:9092". */
  readonly target: string;
  /** Keep retrying retriable failures for this long (ms) after the first failure; then fail. */
  readonly giveUpAfterMs: number;
  /** First delay (default 200 ms), doubled each time with jitter, at most maxDelayMs (default 5000). */
  readonly firstDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Called before each retry (e.g. to reconnect or to start a fresh producer). */
  readonly beforeRetry?: (err: unknown, attempt: number) => void | Promise<void>;
  /** Whether an error may go away on retry; default `isRetriableError`. */
  readonly retriable?: (err: unknown) => boolean;
}

const DEFAULT_FIRST_DELAY_MS = 200;
const DEFAULT_MAX_DELAY_MS = 5000;
/** Each delay is its nominal value times a random factor in [1 - JITTER, 1 + JITTER]. */
const JITTER = 0.2;

/** Node.js error codes of a connection that failed or broke: the other end may come back. */
const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENETDOWN",
  "EAI_AGAIN",
]);

/** kafkajs errors about reaching a broker (all `retriable` in kafkajs). */
const CONNECTION_ERRORS = new Set([
  "KafkaJSConnectionError",
  "KafkaJSConnectionClosedError",
  "KafkaJSRequestTimeoutError",
  "KafkaJSBrokerNotFound",
  "KafkaJSNoBrokerAvailableError",
]);

/** Errors of a mistake in the code: the same call fails the same way every time (CONVENTIONS.md rule 5). */
const PROGRAMMING_ERRORS = new Set(["TypeError", "RangeError", "ReferenceError", "SyntaxError"]);

type ErrorLike = { name?: unknown; code?: unknown; retriable?: unknown; cause?: unknown };

let log: StderrLog | undefined;

/**
 * @internal Run `fn`; retry retriable failures with backoff until
 * `giveUpAfterMs`, logging a warning at the first failure and an info line
 * when it succeeds again.
 *
 * - `fn` gets the number of the attempt: 1 for the first call, 2 for the
 *   first retry, …
 * - A failure that is not retriable (`options.retriable`, default
 *   {@link isRetriableError}) is thrown at once, as it is.
 * - After a retriable failure, waits `firstDelayMs` (then twice as long each
 *   time, ±20 % jitter, at most `maxDelayMs`, never past the deadline), calls
 *   `beforeRetry(err, nextAttempt)` and tries again. A `beforeRetry` that
 *   throws counts as a failed attempt (and is thrown at once if its error is
 *   not retriable).
 * - The first failure logs "`what`: `target` unreachable (`cause`); retrying
 *   for up to N s"; a success after failures logs "`what`: `target` is back
 *   after N s".
 * - A retriable failure `giveUpAfterMs` or more after the first one ends the
 *   retries: the result rejects with a {@link ConnectorError} (not
 *   retriable: the time to retry is over) naming `what`, `target` and how
 *   long it tried, with the last failure as `cause`.
 *
 * @param fn - What to try; its result is the result.
 * @param options - What is tried and where, for how long; see {@link RetryOptions}.
 * @returns The first result of `fn` that did not fail.
 * @throws The first non-retriable failure, or a `ConnectorError` after `giveUpAfterMs`.
 */
export async function withRetries<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const { what, target, giveUpAfterMs, beforeRetry } = options;
  const retriable = options.retriable ?? isRetriableError;
  const maxDelay = options.maxDelayMs ?? DEFAULT_MAX_DELAY_MS;
  let delay = options.firstDelayMs ?? DEFAULT_FIRST_DELAY_MS;
  let firstFailure: number | undefined;
  let failure: unknown;
  for (let attempt = 1; ; attempt++) {
    try {
      if (attempt > 1 && beforeRetry !== undefined) await beforeRetry(failure, attempt);
      const result = await fn(attempt);
      if (firstFailure !== undefined) {
        (log ??= StderrLog.fromEnv()).info(`${what}: ${target} is back after ${seconds(Date.now() - firstFailure)} s`, {
          event: "retry_succeeded",
          target,
          attempts: attempt,
        });
      }
      return result;
    } catch (err) {
      failure = err;
    }
    if (!retriable(failure)) throw failure;
    const now = Date.now();
    if (firstFailure === undefined) {
      firstFailure = now;
      (log ??= StderrLog.fromEnv()).warn(`${what}: ${problem(target, failure)}; retrying for up to ${seconds(giveUpAfterMs)} s`, {
        event: "retrying",
        target,
        error: causeText(rootCause(failure)),
      });
    }
    const elapsed = now - firstFailure;
    if (elapsed >= giveUpAfterMs) {
      throw new ConnectorError(
        `${what}: gave up after retrying for ${seconds(elapsed)} s (at most ${seconds(giveUpAfterMs)} s): ${problem(target, failure)}`,
        { cause: failure },
      );
    }
    const jittered = delay * (1 - JITTER + 2 * JITTER * Math.random());
    await new Promise((resolve) => setTimeout(resolve, Math.max(1, Math.min(jittered, giveUpAfterMs - elapsed))));
    delay = Math.min(delay * 2, maxDelay);
  }
}

/**
 * @internal Whether trying again later may succeed:
 *
 * - a `ConnectorError`: its `retriable`;
 * - a `TypeError`, `RangeError`, `ReferenceError` or `SyntaxError`: never;
 * - kafkajs's `KafkaJSNumberOfRetriesExceeded` (kafkajs gave up on its own
 *   retries), and a `KafkaJSNonRetriableError` with a cause (how a kafkajs
 *   retrier around another one reports that): whether its cause is
 *   retriable;
 * - kafkajs's connection errors (`KafkaJSConnectionError`,
 *   `KafkaJSConnectionClosedError`, `KafkaJSRequestTimeoutError`,
 *   `KafkaJSBrokerNotFound`, `KafkaJSNoBrokerAvailableError`) and any error
 *   whose `code` is one of a broken or refused connection (`ECONNREFUSED`,
 *   `ECONNRESET`, `ETIMEDOUT`, `EPIPE`, `EHOSTUNREACH`, …): always;
 * - any other error with `retriable: true` (kafkajs sets it): yes; with
 *   `retriable: false`: no;
 * - otherwise: whether its `cause`, if any, is.
 */
export function isRetriableError(err: unknown): boolean {
  for (let e = err, depth = 0; typeof e === "object" && e !== null && depth < 16; depth++) {
    const { name, code, retriable, cause } = e as ErrorLike;
    if (e instanceof ConnectorError) return e.retriable;
    if (typeof name === "string" && PROGRAMMING_ERRORS.has(name)) return false;
    // kafkajs gave up its own retries: KafkaJSNumberOfRetriesExceeded, or (from a retrier around
    // another one) a KafkaJSNonRetriableError wrapping that one's cause.
    if (name === "KafkaJSNumberOfRetriesExceeded" || (name === "KafkaJSNonRetriableError" && cause != null)) {
      e = cause;
      continue;
    }
    if (isConnectionFailure(e)) return true;
    if (typeof retriable === "boolean") return retriable;
    if (typeof code === "string" && CONNECTION_CODES.has(code)) return true;
    e = cause;
  }
  return false;
}

/** Whether `err` itself (not its cause) says a connection failed. */
function isConnectionFailure(err: object): boolean {
  const { name, code } = err as ErrorLike;
  return (typeof name === "string" && CONNECTION_ERRORS.has(name)) || (typeof code === "string" && CONNECTION_CODES.has(code));
}

/** The innermost `cause` of `err` (itself if it has none). */
function rootCause(err: unknown): unknown {
  let e = err;
  for (let depth = 0; depth < 16; depth++) {
    const cause = typeof e === "object" && e !== null ? (e as ErrorLike).cause : undefined;
    if (cause === undefined || cause === null) break;
    e = cause;
  }
  return e;
}

/** "`target` unreachable (why)" for a connection failure, else "failed on `target` (why)". */
function problem(target: string, err: unknown): string {
  const root = rootCause(err);
  const text = causeText(root);
  return typeof root === "object" && root !== null && isConnectionFailure(root) ? `${target} unreachable (${text})` : `failed on ${target} (${text})`;
}

/** Milliseconds as seconds with one decimal, without a trailing ".0". */
function seconds(ms: number): string {
  return String(Math.round(ms / 100) / 10);
}

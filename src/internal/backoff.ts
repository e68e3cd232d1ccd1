/**
 * PLACEHOLDER (replaced by the shared backoff helper on merge).
 *
 * @module
 * @internal
 */
import { ConnectorError, causeText } from "../errors.js";

/** @internal */
export interface RetryOptions {
  readonly what: string;
  readonly target: string;
  readonly giveUpAfterMs: number;
  readonly firstDelayMs?: number;
  readonly maxDelayMs?: number;
  readonly beforeRetry?: (err: unknown, attempt: number) => void | Promise<void>;
  readonly retriable?: (err: unknown) => boolean;
}

/** @internal */
export function isRetriableError(err: unknown): boolean {
  return typeof err === "object" && err !== null && (err as { retriable?: unknown }).retriable === true;
}

/** @internal */
export async function withRetries<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const retriable = options.retriable ?? isRetriableError;
  let first = 0;
  let delay = options.firstDelayMs ?? 200;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (!retriable(err)) throw err;
      const now = Date.now();
      if (first === 0) first = now;
      if (now - first > options.giveUpAfterMs) {
        throw new ConnectorError(`${options.what}: gave up on ${options.target} after ${Math.round((now - first) / 1000)} s: ${causeText(err)}`, { cause: err });
      }
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, options.maxDelayMs ?? 5000);
      await options.beforeRetry?.(err, attempt + 1);
    }
  }
}

/**
 * A fix for kafkajs 2.2.4 on Node.js 24: no `TimeoutNegativeWarning` on
 * stderr.
 *
 * After every response, kafkajs's `RequestQueue.scheduleCheckPendingRequests`
 * calls `setTimeout` with `throttledUntil - Date.now()`, a large negative
 * number when the broker is not throttling the client (`throttledUntil` starts
 * at -1). Node.js has always run such a timer after 1 ms; since Node.js 24 it
 * also prints "TimeoutNegativeWarning: -1796576969448 is a negative number" on
 * stderr, in the middle of a flow's output. kafkajs is no longer released
 * (its issue #1751 is open), so the connectors replace that one method with
 * the same logic and the delay Node.js used anyway: 1 ms.
 *
 * @module
 * @internal
 */
import { createRequire } from "node:module";

/** kafkajs's `CHECK_PENDING_REQUESTS_INTERVAL`. */
const CHECK_PENDING_REQUESTS_INTERVAL = 10;

/** What the method reads of a kafkajs `RequestQueue`. */
interface RequestQueueState {
  throttledUntil: number;
  throttleCheckTimeoutId: ReturnType<typeof setTimeout> | null;
  pending: unknown[];
  checkPendingRequests(): void;
}

type Schedule = (this: RequestQueueState) => void;

/**
 * @internal kafkajs's `scheduleCheckPendingRequests` with the delay never
 * below 1 ms: the same timers, without the warning.
 */
export function scheduleCheckPendingRequests(this: RequestQueueState): void {
  if (this.throttleCheckTimeoutId) return;
  const throttledFor = this.throttledUntil - Date.now();
  const delay = throttledFor > 0 ? throttledFor : this.pending.length > 0 ? CHECK_PENDING_REQUESTS_INTERVAL : 1;
  this.throttleCheckTimeoutId = setTimeout(() => {
    this.throttleCheckTimeoutId = null;
    this.checkPendingRequests();
  }, delay);
}

/** Lines of the kafkajs method this replaces: a kafkajs that changed it is left alone. */
const REPLACED = ["let scheduleAt = this.throttledUntil - Date.now()", "CHECK_PENDING_REQUESTS_INTERVAL", "this.checkPendingRequests()"];

let done = false;

/**
 * @internal Install {@link scheduleCheckPendingRequests} on the kafkajs copy
 * this module resolves (the one the connectors import), once, if its method
 * is still the one with the negative delay. Also quiets kafkajs clients the
 * application makes itself from that copy, which changes nothing else.
 */
export function avoidNegativeTimeouts(): void {
  if (done) return;
  done = true;
  let proto: { scheduleCheckPendingRequests?: unknown } | undefined;
  try {
    proto = (createRequire(import.meta.url)("kafkajs/src/network/requestQueue/index.js") as { prototype?: typeof proto }).prototype;
  } catch {
    return; // Another layout of kafkajs: nothing to fix here.
  }
  const original = proto?.scheduleCheckPendingRequests;
  if (typeof original !== "function") return;
  const source = Function.prototype.toString.call(original);
  if (!REPLACED.every((line) => source.includes(line))) return;
  proto!.scheduleCheckPendingRequests = scheduleCheckPendingRequests satisfies Schedule;
}

// kafkajs 2.2.4 sets a timer with a negative delay after every response,
// which Node.js 24 reports on stderr (TimeoutNegativeWarning); the connectors
// replace that method. The Kafka e2e test checks a real run's stderr is empty.
import { createRequire } from "node:module";
import { afterEach, describe, expect, it, vi } from "vitest";
import { makeClient } from "../../../src/connectors/kafka/internal/client.js";
import { scheduleCheckPendingRequests } from "../../../src/connectors/kafka/internal/negativeTimeouts.js";

const RequestQueue = createRequire(import.meta.url)("kafkajs/src/network/requestQueue/index.js") as {
  prototype: { scheduleCheckPendingRequests: unknown };
};

/** The fields of a kafkajs RequestQueue the method reads. */
function queue(throttledUntil: number, pending: number) {
  return { throttledUntil, throttleCheckTimeoutId: null as ReturnType<typeof setTimeout> | null, pending: new Array<unknown>(pending), checkPendingRequests: vi.fn() };
}

describe("kafkajs request queue timers", () => {
  afterEach(() => {
    vi.restoreAllMocks();
    vi.useRealTimers();
  });

  it("are scheduled by Sluice's method once a connector makes a client", () => {
    makeClient(["127.0.0.1:9"], undefined, undefined);
    expect(RequestQueue.prototype.scheduleCheckPendingRequests).toBe(scheduleCheckPendingRequests);
  });

  it("wait out a throttle, 10 ms with requests pending, else 1 ms: never a negative delay", () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const delays: number[] = [];
    const realSetTimeout = globalThis.setTimeout;
    vi.spyOn(globalThis, "setTimeout").mockImplementation(((fn: () => void, ms: number) => {
      delays.push(ms);
      return realSetTimeout(fn, ms);
    }) as typeof setTimeout);
    const idle = queue(-1, 0);
    scheduleCheckPendingRequests.call(idle);
    const waiting = queue(-1, 2);
    scheduleCheckPendingRequests.call(waiting);
    const throttled = queue(1_000_250, 2);
    scheduleCheckPendingRequests.call(throttled);
    expect(delays).toEqual([1, 10, 250]);
    // One timer at a time; when it fires, the queue is checked and may schedule again.
    scheduleCheckPendingRequests.call(idle);
    expect(delays).toHaveLength(3);
    vi.advanceTimersByTime(1);
    expect(idle.checkPendingRequests).toHaveBeenCalledTimes(1);
    expect(idle.throttleCheckTimeoutId).toBe(null);
    vi.advanceTimersByTime(250);
    expect(throttled.checkPendingRequests).toHaveBeenCalledTimes(1);
  });

  it("emit no TimeoutNegativeWarning (which Node.js 24 prints for kafkajs's own method)", async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(w.name);
    process.on("warning", onWarning);
    const idle = queue(-1, 0);
    try {
      scheduleCheckPendingRequests.call(idle);
      expect(idle.throttleCheckTimeoutId).not.toBe(null);
      // Node.js emits the warning when the timer is made, on the next tick.
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      clearTimeout(idle.throttleCheckTimeoutId!);
      process.off("warning", onWarning);
    }
    expect(warnings).not.toContain("TimeoutNegativeWarning");
  });
});

import { connect, createServer, type Server } from "node:net";
import { KafkaJSConnectionError, KafkaJSError, KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError } from "kafkajs";
import { describe, expect, it, vi } from "vitest";
import { ConnectorError } from "../../src/index.js";
import { isRetriableError, withRetries } from "../../src/internal/backoff.js";
import { captureStderr } from "../support/stderr.js";

/** A port on 127.0.0.1 that nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen({ host: "127.0.0.1", port: 0 }, resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Connect to 127.0.0.1:`port` and hang up: resolves once connected, rejects with the socket's error (ECONNREFUSED …). */
function reach(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve();
    });
    socket.once("error", reject);
  });
}

const stderr = captureStderr();

describe("withRetries", () => {
  it("retries a refused connection until the server listens, with a warning at the first failure and a line when it is back", async () => {
    const port = await closedPort();
    let server: Server | undefined;
    const attempts: number[] = [];
    const tried = withRetries(
      async (attempt) => {
        attempts.push(attempt);
        await reach(port);
        return "connected";
      },
      { what: "Test in step 'out' sending 3 messages to 't'", target: `127.0.0.1:${port}`, giveUpAfterMs: 10_000, firstDelayMs: 20 },
    );
    setTimeout(() => {
      server = createServer((s) => s.destroy()).listen({ host: "127.0.0.1", port });
    }, 150);
    try {
      expect(await tried).toBe("connected");
    } finally {
      server?.close();
    }
    expect(attempts.length).toBeGreaterThan(1);
    expect(attempts).toEqual([...Array(attempts.length).keys()].map((i) => i + 1));
    expect(stderr).toHaveLength(2);
    expect(stderr[0]).toBe(
      `sluice: Test in step 'out' sending 3 messages to 't': 127.0.0.1:${port} unreachable (connect ECONNREFUSED 127.0.0.1:${port}); retrying for up to 10 s\n`,
    );
    expect(stderr[1]).toMatch(new RegExp(`^sluice: Test in step 'out' sending 3 messages to 't': 127\\.0\\.0\\.1:${port} is back after \\d+(\\.\\d)? s\\n$`));
  });

  it("returns the first result without a line when nothing fails", async () => {
    expect(await withRetries(async () => 42, { what: "x", target: "y", giveUpAfterMs: 1000 })).toBe(42);
    expect(stderr).toEqual([]);
  });

  it("throws a failure that is not retriable at once, as it is", async () => {
    const bug = new TypeError("items is not iterable");
    let calls = 0;
    const err = await withRetries(
      async () => {
        calls++;
        throw bug;
      },
      { what: "x", target: "y", giveUpAfterMs: 10_000 },
    ).catch((e: unknown) => e);
    expect(err).toBe(bug);
    expect(calls).toBe(1);
    expect(stderr).toEqual([]);
  });

  it("gives up after giveUpAfterMs with a ConnectorError naming what, where and how long, the last failure as cause", async () => {
    const port = await closedPort();
    const failures: unknown[] = [];
    const started = Date.now();
    const err = await withRetries(
      async () => {
        try {
          await reach(port);
        } catch (e) {
          failures.push(e);
          throw e;
        }
      },
      { what: "KafkaSink in step 'f.out' sending 1 message to 't'", target: `127.0.0.1:${port}`, giveUpAfterMs: 300, firstDelayMs: 20 },
    ).catch((e: unknown) => e);
    const took = Date.now() - started;
    expect(err).toBeInstanceOf(ConnectorError);
    expect((err as ConnectorError).retriable).toBe(false);
    expect((err as ConnectorError).cause).toBe(failures[failures.length - 1]);
    expect((err as ConnectorError).message).toMatch(
      new RegExp(
        `^KafkaSink in step 'f\\.out' sending 1 message to 't': gave up after retrying for 0\\.\\d s \\(at most 0\\.3 s\\): ` +
          `127\\.0\\.0\\.1:${port} unreachable \\(connect ECONNREFUSED 127\\.0\\.0\\.1:${port}\\)$`,
      ),
    );
    expect(took).toBeGreaterThanOrEqual(300);
    expect(took).toBeLessThan(3000);
    // 20, 40, 80, 160 ms … : a handful of attempts, not hundreds.
    expect(failures.length).toBeGreaterThanOrEqual(4);
    expect(failures.length).toBeLessThan(10);
    expect(stderr).toHaveLength(1);
  });

  it("waits longer each time (doubling, at most maxDelayMs)", async () => {
    const at: number[] = [];
    await withRetries(
      async (attempt) => {
        at.push(performance.now());
        if (attempt < 6) throw Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
      },
      { what: "x", target: "y", giveUpAfterMs: 10_000, firstDelayMs: 20, maxDelayMs: 80 },
    );
    const gaps = at.slice(1).map((t, i) => t - at[i]);
    const nominal = [20, 40, 80, 80, 80];
    // Jitter is ±20 %; a busy machine only makes gaps longer.
    gaps.forEach((gap, i) => expect(gap).toBeGreaterThanOrEqual(nominal[i] * 0.8 - 2));
    expect(gaps[2]).toBeGreaterThan(gaps[0]);
  });

  it("calls beforeRetry with the failure and the number of the next attempt; a retriable failure there is one more failed attempt", async () => {
    const calls: [string, number][] = [];
    const result = await withRetries(
      async (attempt) => {
        if (attempt <= 2) throw new ConnectorError(`fail ${attempt}`, { retriable: true });
        return attempt;
      },
      {
        what: "x",
        target: "y",
        giveUpAfterMs: 10_000,
        firstDelayMs: 5,
        beforeRetry: (err, attempt) => {
          calls.push([(err as Error).message, attempt]);
          if (attempt === 3) throw new ConnectorError("reconnect failed", { retriable: true });
        },
      },
    );
    // Attempt 3 failed in beforeRetry, so fn ran for attempts 1, 2 and 4.
    expect(result).toBe(4);
    expect(calls).toEqual([
      ["fail 1", 2],
      ["fail 2", 3],
      ["reconnect failed", 4],
    ]);
    expect(stderr[0]).toBe("sluice: x: failed on y (ConnectorError: fail 1); retrying for up to 10 s\n");
  });

  it("asks options.retriable whether to retry", async () => {
    let calls = 0;
    const err = await withRetries(
      async () => {
        calls++;
        throw Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
      },
      { what: "x", target: "y", giveUpAfterMs: 10_000, retriable: () => false },
    ).catch((e: unknown) => e);
    expect((err as Error).message).toBe("connect ECONNREFUSED");
    expect(calls).toBe(1);
  });

  it("writes JSON lines when SLUICE_LOG_FORMAT is json", async () => {
    vi.resetModules();
    vi.stubEnv("SLUICE_LOG_FORMAT", "json");
    try {
      const fresh = await import("../../src/internal/backoff.js");
      await fresh.withRetries(
        async (attempt) => {
          if (attempt === 1) throw new KafkaJSConnectionError("Connection error: connect ECONNREFUSED 127.0.0.1:9", { broker: "127.0.0.1:9", code: "ECONNREFUSED" });
        },
        { what: "KafkaSource in step 'f.in' starting its consumer", target: "127.0.0.1:9", giveUpAfterMs: 60_000, firstDelayMs: 5 },
      );
    } finally {
      vi.unstubAllEnvs();
    }
    const lines = stderr.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toMatchObject([
      {
        level: "warn",
        event: "retrying",
        target: "127.0.0.1:9",
        msg: "KafkaSource in step 'f.in' starting its consumer: 127.0.0.1:9 unreachable (KafkaJSConnectionError: Connection error: connect ECONNREFUSED 127.0.0.1:9); retrying for up to 60 s",
      },
      { level: "info", event: "retry_succeeded", target: "127.0.0.1:9", attempts: 2 },
    ]);
  });
});

describe("isRetriableError", () => {
  const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9092"), { code: "ECONNREFUSED" });
  const cases: [string, unknown, boolean][] = [
    ["ConnectorError retriable: true", new ConnectorError("x", { retriable: true }), true],
    ["ConnectorError retriable: false (even with a retriable cause)", new ConnectorError("x", { retriable: false, cause: refused }), false],
    ["a refused connection (ECONNREFUSED)", refused, true],
    ...(["ECONNRESET", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH"].map((code) => [code, Object.assign(new Error(code), { code }), true]) as [string, unknown, boolean][]),
    ["an Error caused by ECONNRESET", new Error("request failed", { cause: Object.assign(new Error("reset"), { code: "ECONNRESET" }) }), true],
    ["KafkaJSConnectionError", new KafkaJSConnectionError("Connection error: connect ECONNREFUSED", { broker: "h:1", code: "ECONNREFUSED" }), true],
    ["kafkajs retriable: true", new KafkaJSError("leader not available", { retriable: true }), true],
    ["kafkajs retriable: false", new KafkaJSNonRetriableError("bad"), false],
    ["KafkaJSNumberOfRetriesExceeded of a connection error", new KafkaJSNumberOfRetriesExceeded(new KafkaJSConnectionError("Connection error"), { retryCount: 5, retryTime: 100 }), true],
    [
      "KafkaJSNonRetriableError wrapping a connection error (a kafkajs retrier around another gave up)",
      Object.assign(new KafkaJSNonRetriableError(new KafkaJSConnectionError("Connection error")), { cause: new KafkaJSConnectionError("Connection error") }),
      true,
    ],
    ["KafkaJSNonRetriableError wrapping a non-retriable error", Object.assign(new KafkaJSNonRetriableError("bad"), { cause: new KafkaJSNonRetriableError("worse") }), false],
    ["KafkaJSNumberOfRetriesExceeded of a non-retriable error", new KafkaJSNumberOfRetriesExceeded(new KafkaJSNonRetriableError("bad"), { retryCount: 5, retryTime: 100 }), false],
    [
      "KafkaJSProtocolError, retriable",
      new KafkaJSProtocolError({ message: "There is no leader for this topic-partition", type: "LEADER_NOT_AVAILABLE", code: 5, retriable: true } as unknown as Error),
      true,
    ],
    ["TypeError", new TypeError("x is not a function"), false],
    ["TypeError with a retriable cause", new TypeError("x", { cause: refused }), false],
    ["a plain Error", new Error("nope"), false],
    ["a string", "ECONNREFUSED", false],
    ["undefined", undefined, false],
  ];
  it.each(cases)("%s -> %s", (_name, err, expected) => {
    expect(isRetriableError(err)).toBe(expected);
  });
});

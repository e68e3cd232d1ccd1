import { afterEach, describe, expect, it } from "vitest";
import { TcpSink, type TcpSinkOptions } from "../../../src/connectors/tcp/index.js";
import { Dataflow } from "../../../src/dataflow/dataflow.js";
import { BuildError, ConnectorError, StepError } from "../../../src/errors.js";
import type { StatelessSinkPartition } from "../../../src/outputs/sink.js";
import { runMain, TestingSource } from "../../../src/testing/index.js";
import { FrameServer, freePort, sleep, waitFor } from "./helpers.js";

const servers: FrameServer[] = [];
const parts: StatelessSinkPartition<unknown>[] = [];

afterEach(async () => {
  for (const p of parts.splice(0)) p.abort?.(new Error("test over"));
  for (const s of servers.splice(0)) await s.stop();
});

async function server(port = 0, options: Parameters<typeof FrameServer.start>[1] = {}): Promise<FrameServer> {
  const s = await FrameServer.start(port, options);
  servers.push(s);
  return s;
}

const utf8 = (s: string): Buffer => Buffer.from(s, "utf8");

function sink(port: number, options: Partial<TcpSinkOptions<string>> = {}, logs: string[] = []): TcpSink<string> {
  return new TcpSink<string>({ host: "127.0.0.1", port, encoder: utf8, logger: (m) => logs.push(m), ...options });
}

async function build(s: TcpSink<string>): Promise<StatelessSinkPartition<string>> {
  const part = await s.build("tcp.out", 0, 1);
  parts.push(part as StatelessSinkPartition<unknown>);
  return part;
}

describe("TcpSink", () => {
  it("writes each item as a length-prefixed frame, in order", async () => {
    const srv = await server();
    const part = await build(sink(srv.port));
    await part.writeBatch(["a", "bb", ""]);
    await part.writeBatch([]);
    await part.writeBatch(["ccc"]);
    await waitFor(() => srv.payloads.length === 4, "4 frames");
    expect(srv.texts()).toEqual(["a", "bb", "", "ccc"]);
    expect(srv.accepted).toBe(1); // one connection for every batch
  });

  for (const headerLength of [1, 2, 4, 8] as const) {
    for (const endian of ["big", "little"] as const) {
      it(`writes ${headerLength}-byte ${endian}-endian headers`, async () => {
        const srv = await server(0, { headerLength, endian });
        const part = await build(sink(srv.port, { headerLength, endian }));
        const items = ["x", "y".repeat(headerLength === 1 ? 255 : 3000), ""];
        await part.writeBatch(items);
        await waitFor(() => srv.payloads.length === 3, "3 frames");
        expect(srv.texts()).toEqual(items);
      });
    }
  }

  it("runs in a flow and ends the connection at the end of the run", async () => {
    const srv = await server();
    const flow = new Dataflow("out");
    flow
      .input("in", new TestingSource(Array.from({ length: 1000 }, (_, i) => i), 100))
      .output("out", new TcpSink({ host: "127.0.0.1", port: srv.port, encoder: (n: number) => utf8(`n${n}`) }));
    await runMain(flow);
    await waitFor(() => srv.ended === 1, "the client to end the connection");
    expect(srv.texts()).toEqual(Array.from({ length: 1000 }, (_, i) => `n${i}`));
  });

  it("reconnects with backoff after the server restarts, and writes the next batches there", async () => {
    const first = await server();
    const port = first.port;
    const logs: string[] = [];
    const part = await build(sink(port, { initialBackoff: 20, maxBackoff: 80 }, logs));
    await part.writeBatch(["before"]);
    await waitFor(() => first.payloads.length === 1, "the first frame");
    await first.stop(); // the server goes away: its connections are dropped
    servers.splice(servers.indexOf(first), 1);
    await waitFor(() => logs.some((m) => m.includes("closed the connection")), "the sink to notice");
    const writing = part.writeBatch(["after", "restart"]); // waits: nothing listens
    await sleep(150);
    expect(logs.some((m) => m.includes(`cannot connect to 127.0.0.1:${port}`) && m.includes("ECONNREFUSED"))).toBe(true);
    const second = await server(port); // the server is back on the same port
    await writing;
    await waitFor(() => second.payloads.length === 2, "the frames on the new server");
    expect(second.texts()).toEqual(["after", "restart"]);
    expect(first.texts()).toEqual(["before"]);
    expect(logs).toContainEqual(expect.stringMatching(/^TcpSink in step 'tcp.out': connected to 127\.0\.0\.1:\d+ after \d+ attempts$/));
    // Delays grow: 20, 40, 80, 80… ms (no more than ~10 attempts in 150 ms).
    const attempts = logs.filter((m) => m.includes("cannot connect")).length;
    expect(attempts).toBeGreaterThanOrEqual(2);
    expect(attempts).toBeLessThan(10);
  });

  it("reconnects within a running flow when the server restarts", async () => {
    const first = await server();
    const port = first.port;
    const logs: string[] = [];
    let second: FrameServer | undefined;
    first.onPayload = () => {
      if (first.payloads.length === 2) {
        // Restart the server between "b" and "c".
        void first.stop().then(async () => {
          await sleep(50);
          second = await server(port);
        });
      }
    };
    const flow = new Dataflow("restart");
    flow
      .input("in", new TestingSource(["a", "b", TestingSource.PAUSE(250), "c", "d"]))
      .output("out", new TcpSink({ host: "127.0.0.1", port, encoder: utf8, initialBackoff: 20, logger: (m) => logs.push(m) }));
    await runMain(flow, { epochInterval: 0 });
    expect(first.texts()).toEqual(["a", "b"]);
    await waitFor(() => second !== undefined && second.payloads.length === 2, "c and d on the new server");
    expect(second!.texts()).toEqual(["c", "d"]);
    expect(logs.some((m) => m.includes("closed the connection"))).toBe(true);
  });

  it("waits for drain when the server does not read (backpressure), then writes everything", async () => {
    const srv = await server(0, { paused: true });
    const part = await build(sink(srv.port));
    const big = "z".repeat(1024 * 1024);
    let done = false;
    const writing = Promise.resolve(part.writeBatch(Array.from({ length: 32 }, () => big))).then(() => (done = true)); // 32 MiB
    await sleep(300);
    expect(done).toBe(false); // blocked on the socket's drain
    srv.resumeAll();
    await writing;
    await waitFor(() => srv.payloads.length === 32, "32 frames");
    expect(srv.payloads.every((p) => p.length === big.length)).toBe(true);
  });

  it("fails after maxAttempts connection attempts with a retriable ConnectorError", async () => {
    const port = await freePort();
    const logs: string[] = [];
    const s = sink(port, { initialBackoff: 5, maxAttempts: 3 }, logs);
    const err = await Promise.resolve(s.build("tcp.out", 0, 1)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConnectorError);
    expect((err as ConnectorError).retriable).toBe(true);
    expect((err as ConnectorError).message).toContain(`TcpSink in step 'tcp.out' cannot connect to 127.0.0.1:${port} after 3 attempts`);
    expect(logs).toHaveLength(2); // the two failures before the last are logged
    const flow = new Dataflow("nobody");
    flow.input("in", new TestingSource(["x"])).output("out", sink(port, { initialBackoff: 5, maxAttempts: 2 }));
    const runErr = await runMain(flow).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(runErr).toBeInstanceOf(StepError);
    expect((runErr as StepError).stepId).toBe("nobody.out");
  });

  it("fails the run with a StepError when the encoder throws or returns no bytes", async () => {
    const srv = await server();
    for (const [encoder, fragment] of [
      [
        (s: string): Buffer => {
          throw new Error(`cannot encode ${s}`);
        },
        "error calling `encoder` in step 'enc.out': cannot encode x",
      ],
      [(s: string) => s as unknown as Buffer, "`encoder` of TcpSink must return a Buffer or Uint8Array; got string"],
    ] as const) {
      const flow = new Dataflow("enc");
      flow.input("in", new TestingSource(["x"])).output("out", new TcpSink({ host: "127.0.0.1", port: srv.port, encoder }));
      const err = await runMain(flow).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(StepError);
      expect((err as StepError).stepId).toBe("enc.out");
      expect((err as StepError).message).toContain(fragment);
    }
  });

  it("fails the run for a payload too long for the header, and drops the connection", async () => {
    const srv = await server(0, { headerLength: 1 });
    const flow = new Dataflow("long");
    flow.input("in", new TestingSource(["ok", "x".repeat(256)])).output("out", sink(srv.port, { headerLength: 1 }));
    const err = await runMain(flow).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StepError);
    expect((err as StepError).message).toContain("a payload of 256 bytes does not fit a 1-byte length header (at most 255)");
    await waitFor(() => srv.sockets.size === 0, "the connection to be dropped");
    expect(srv.texts()).toEqual(["ok"]);
  });

  it("rejects bad options with a BuildError", () => {
    const base = { host: "127.0.0.1", port: 9000, encoder: utf8 };
    expect(() => new TcpSink({ ...base, port: 0 })).toThrow(BuildError);
    expect(() => new TcpSink({ ...base, encoder: "x" as unknown as typeof utf8 })).toThrow(/encoder must be a function/);
    expect(() => new TcpSink({ ...base, endian: "native" as "big" })).toThrow(/endian/);
    expect(() => new TcpSink({ ...base, initialBackoff: 0 })).toThrow(/initialBackoff/);
    expect(() => new TcpSink({ ...base, initialBackoff: 500, maxBackoff: 100 })).toThrow(/maxBackoff/);
    expect(() => new TcpSink({ ...base, maxAttempts: 0 })).toThrow(/maxAttempts/);
  });
});

import * as net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { TcpSource, encodeFrame, type FrameFormat, type TcpSourceOptions } from "../../../src/connectors/tcp/index.js";
import { Dataflow } from "../../../src/dataflow/dataflow.js";
import { BuildError, StepError } from "../../../src/errors.js";
import type { StatefulSourcePartition } from "../../../src/inputs/source.js";
import { pollNextBatch, runMain, TestingSink } from "../../../src/testing/index.js";
import { closed, connect, endAndWait, sleep, waitFor, write } from "./helpers.js";

type Part<X> = StatefulSourcePartition<X, undefined>;

const opened: Part<unknown>[] = [];
const clients: net.Socket[] = [];

afterEach(async () => {
  for (const p of opened.splice(0)) await p.close?.();
  for (const c of clients.splice(0)) c.destroy();
});

const text = (payload: Buffer): string => payload.toString("utf8");

/** Build a TcpSource's partition on 127.0.0.1, port 0; the partition, its port and the logged messages. */
async function listen<X>(
  options: Partial<TcpSourceOptions<X>> & Pick<TcpSourceOptions<X>, "decoder">,
): Promise<{ part: Part<X>; port: number; logs: string[] }> {
  const logs: string[] = [];
  let port = -1;
  const source = new TcpSource<X>({
    host: "127.0.0.1",
    port: 0,
    logger: (m) => logs.push(m),
    onListening: (address) => (port = address.port),
    ...options,
  });
  const part = (await source.buildPart("tcp.in", "127.0.0.1:0", undefined)) as Part<X>;
  opened.push(part as Part<unknown>);
  expect(port).toBeGreaterThan(0);
  return { part, port, logs };
}

async function client(port: number): Promise<net.Socket> {
  const socket = await connect(port);
  clients.push(socket);
  return socket;
}

/** Poll until `n` items came (bounded in time). */
async function collect<X>(part: Part<X>, n: number): Promise<X[]> {
  const out: X[] = [];
  while (out.length < n) {
    const batch = await pollNextBatch(part, 5000);
    if (batch === null) throw new Error(`input ended after ${out.length} of ${n} items`);
    out.push(...batch);
  }
  return out;
}

describe("TcpSource", () => {
  it("has one partition named host:port and an undefined resume state", async () => {
    expect(new TcpSource({ host: "127.0.0.1", port: 9000, decoder: text }).listParts()).toEqual(["127.0.0.1:9000"]);
    expect(new TcpSource({ host: "::1", port: 9000, decoder: text }).listParts()).toEqual(["[::1]:9000"]);
    const { part } = await listen({ decoder: text });
    expect(part.snapshot()).toBeUndefined();
  });

  it("decodes a frame split across several TCP packets", async () => {
    const { part, port } = await listen({ decoder: text });
    const socket = await client(port);
    const frame = encodeFrame(Buffer.from("split across packets"));
    // Header split in two, payload in three: separate writes with pauses, Nagle off.
    for (const [from, to] of [[0, 2], [2, 4], [4, 9], [9, 15], [15, frame.length]]) {
      await write(socket, frame.subarray(from, to));
      await sleep(15);
      if (to < frame.length) expect(part.nextBatch()).toEqual([]);
    }
    expect(await collect(part, 1)).toEqual(["split across packets"]);
  });

  it("decodes several frames sent in one packet", async () => {
    const { part, port } = await listen({ decoder: text });
    const socket = await client(port);
    const words = ["one", "", "three", "four", "five"];
    await write(socket, Buffer.concat(words.map((w) => encodeFrame(Buffer.from(w)))));
    expect(await collect(part, 5)).toEqual(words);
  });

  for (const headerLength of [1, 2, 4, 8] as const) {
    for (const endian of ["big", "little"] as const) {
      it(`reads ${headerLength}-byte ${endian}-endian headers over a socket`, async () => {
        const format: FrameFormat = { headerLength, endian };
        const { part, port } = await listen({ decoder: (p) => p.length, ...format });
        const socket = await client(port);
        const sizes = headerLength === 1 ? [0, 1, 200, 255] : [0, 1, 255, 256, 300, 5000];
        const stream = Buffer.concat(sizes.map((n) => encodeFrame(Buffer.alloc(n, 0x2a), format)));
        // Send in odd-sized pieces so headers and payloads straddle packets.
        for (let pos = 0; pos < stream.length; pos += 97) await write(socket, stream.subarray(pos, pos + 97));
        expect(await collect(part, sizes.length)).toEqual(sizes);
      });
    }
  }

  it("drops frames the decoder maps to undefined", async () => {
    const { part, port } = await listen({ decoder: (p) => (p.length === 0 ? undefined : text(p)) });
    const socket = await client(port);
    await write(socket, Buffer.concat(["a", "", "b", ""].map((s) => encodeFrame(Buffer.from(s)))));
    expect(await collect(part, 2)).toEqual(["a", "b"]);
  });

  it("closes a connection sending an oversize frame, logs it, and keeps serving others", async () => {
    const { part, port, logs } = await listen({ decoder: text, maxFrameBytes: 16 });
    const bad = await client(port);
    const badAddress = `127.0.0.1:${bad.localPort}`;
    await write(bad, Buffer.concat([encodeFrame(Buffer.from("before")), encodeFrame(Buffer.alloc(17)), encodeFrame(Buffer.from("after"))]));
    await closed(bad); // the server closed it
    expect(await collect(part, 1)).toEqual(["before"]);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toContain(`TcpSource in step 'tcp.in' (listening on 127.0.0.1:${port})`);
    expect(logs[0]).toContain(`closing the connection from ${badAddress}`);
    expect(logs[0]).toContain("frame of 17 bytes is larger than maxFrameBytes (16)");
    const good = await client(port);
    await write(good, encodeFrame(Buffer.from("still listening")));
    expect(await collect(part, 1)).toEqual(["still listening"]);
    expect(part.nextBatch()).toEqual([]); // "after" was never emitted
  });

  it("logs a connection closed mid-frame, drops the partial frame, and keeps serving", async () => {
    const { part, port, logs } = await listen({ decoder: text });
    const socket = await client(port);
    const address = `127.0.0.1:${socket.localPort}`;
    const partial = encodeFrame(Buffer.from("cut short")).subarray(0, 7);
    await write(socket, Buffer.concat([encodeFrame(Buffer.from("complete")), partial]));
    await endAndWait(socket);
    expect(await collect(part, 1)).toEqual(["complete"]);
    await waitFor(() => logs.length > 0, "the log message");
    expect(logs).toEqual([
      `TcpSource in step 'tcp.in' (listening on 127.0.0.1:${port}): connection from ${address} closed in the middle of a frame (7 bytes of it received); the partial frame is dropped`,
    ]);
    const next = await client(port);
    await write(next, encodeFrame(Buffer.from("next")));
    expect(await collect(part, 1)).toEqual(["next"]);
  });

  it("logs a connection that ends inside a header too", async () => {
    const { part, port, logs } = await listen({ decoder: text, headerLength: 8 });
    const socket = await client(port);
    await write(socket, Buffer.from([0, 0, 0]));
    await endAndWait(socket);
    await waitFor(() => logs.length > 0, "the log message");
    expect(logs[0]).toContain("closed in the middle of a frame (3 bytes of it received)");
    expect(part.nextBatch()).toEqual([]);
  });

  it("keeps frames of each connection in order with concurrent clients", async () => {
    const { part, port } = await listen({ decoder: text });
    const a = await client(port);
    const b = await client(port);
    for (let i = 0; i < 50; i++) {
      await write(a, encodeFrame(Buffer.from(`a${i}`)));
      await write(b, encodeFrame(Buffer.from(`b${i}`)));
    }
    const items = await collect(part, 100);
    expect(items.filter((s) => s.startsWith("a"))).toEqual(Array.from({ length: 50 }, (_, i) => `a${i}`));
    expect(items.filter((s) => s.startsWith("b"))).toEqual(Array.from({ length: 50 }, (_, i) => `b${i}`));
  });

  it("ends after endAfterConnections connections closed, and stops accepting", async () => {
    const { part, port } = await listen({ decoder: text, endAfterConnections: 2 });
    for (const word of ["first", "second"]) {
      const socket = await client(port);
      await write(socket, encodeFrame(Buffer.from(word)));
      await endAndWait(socket);
    }
    expect(await collect(part, 2)).toEqual(["first", "second"]);
    expect(await pollNextBatch(part, 2000)).toBeNull();
    await expect(connect(port)).rejects.toMatchObject({ code: "ECONNREFUSED" });
  });

  it("stops reading while its buffer is full (TCP backpressure) and loses nothing", async () => {
    const frames = 400;
    const size = 64 * 1024; // 25 MiB in all: more than the kernel buffers hold
    const { part, port } = await listen({ decoder: (p) => p.readUInt32BE(0), bufferSize: 4 });
    const socket = await client(port);
    for (let i = 0; i < frames; i++) {
      const payload = Buffer.alloc(size);
      payload.writeUInt32BE(i, 0);
      socket.write(encodeFrame(payload));
    }
    await sleep(300); // nobody polls: the source pauses, the sender's data backs up
    expect(socket.writableLength).toBeGreaterThan(0);
    const got = await collect(part, frames);
    expect(got).toEqual(Array.from({ length: frames }, (_, i) => i));
    expect(socket.writableLength).toBe(0);
  });

  it("runs in a flow: two clients, then the input ends", async () => {
    let port = 0;
    let run: Promise<string[]> = Promise.resolve([]);
    const listening = new Promise<void>((resolve) => {
      const out: string[] = [];
      const flow = new Dataflow("tcp");
      flow
        .input(
          "in",
          new TcpSource({
            host: "127.0.0.1",
            port: 0,
            decoder: (p) => text(p).toUpperCase(),
            endAfterConnections: 2,
            onListening: (a) => {
              port = a.port;
              resolve();
            },
          }),
        )
        .output("out", new TestingSink(out));
      run = runMain(flow, { epochInterval: 0 }).then(() => out);
    });
    await listening;
    for (const words of [["hello", "world"], ["bye"]]) {
      const socket = await client(port);
      await write(socket, Buffer.concat(words.map((w) => encodeFrame(Buffer.from(w)))));
      await endAndWait(socket);
    }
    expect(await run).toEqual(["HELLO", "WORLD", "BYE"]);
  });

  it("fails the run with a StepError naming the step and peer when the decoder throws, and stops listening", async () => {
    let port = 0;
    let run: Promise<unknown> = Promise.resolve();
    await new Promise<void>((resolve) => {
      const flow = new Dataflow("tcp");
      flow
        .input(
          "in",
          new TcpSource({
            host: "127.0.0.1",
            port: 0,
            decoder: (p) => JSON.parse(text(p)) as unknown,
            logger: () => undefined,
            onListening: (a) => {
              port = a.port;
              resolve();
            },
          }),
        )
        .output("out", new TestingSink([]));
      run = runMain(flow).then(
        () => undefined,
        (e: unknown) => e,
      );
    });
    const socket = await client(port);
    await write(socket, encodeFrame(Buffer.from("{not json")));
    const err = await run;
    expect(err).toBeInstanceOf(StepError);
    expect((err as StepError).stepId).toBe("tcp.in");
    expect((err as StepError).partition).toBe("127.0.0.1:0");
    expect((err as StepError).message).toContain(`error calling \`decoder\` of partition '127.0.0.1:0' in step 'tcp.in' on a frame from 127.0.0.1:${socket.localPort}`);
    expect((err as StepError).cause).toBeInstanceOf(SyntaxError);
    await closed(socket);
    await expect(connect(port)).rejects.toMatchObject({ code: "ECONNREFUSED" });
  });

  it("fails the build with a ConnectorError when the address is in use", async () => {
    const { port } = await listen({ decoder: text });
    const source = new TcpSource({ host: "127.0.0.1", port, decoder: text });
    await expect(source.buildPart("tcp.in", `127.0.0.1:${port}`, undefined)).rejects.toThrow(
      `TcpSource in step 'tcp.in' cannot listen on 127.0.0.1:${port}`,
    );
  });

  it("rejects bad options with a BuildError", () => {
    const base = { host: "127.0.0.1", port: 0, decoder: text };
    expect(() => new TcpSource({ ...base, port: 70000 })).toThrow(BuildError);
    expect(() => new TcpSource({ ...base, host: "" })).toThrow(/host must be a non-empty string/);
    expect(() => new TcpSource({ ...base, decoder: undefined as unknown as typeof text })).toThrow(/decoder must be a function/);
    expect(() => new TcpSource({ ...base, headerLength: 3 as 4 })).toThrow(/headerLength must be 1, 2, 4 or 8/);
    expect(() => new TcpSource({ ...base, endAfterConnections: 0 })).toThrow(/endAfterConnections/);
    expect(() => new TcpSource({ ...base, bufferSize: 0 })).toThrow(/bufferSize/);
    expect(() => new TcpSource({ ...base, maxFrameBytes: 1.5 })).toThrow(/maxFrameBytes/);
  });
});

import * as net from "node:net";
import { FrameDecoder, type FrameDecoderOptions } from "../../../src/connectors/tcp/index.js";

/** Resolve after `ms` of real time. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Poll `condition` every few ms until it holds; throws after `timeoutMs`. */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const start = performance.now();
  while (!condition()) {
    if (performance.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
  }
}

/** Connect a client to 127.0.0.1:`port` with Nagle off (each write goes out as it is). */
export function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: "127.0.0.1", port }, () => {
      socket.off("error", reject);
      resolve(socket);
    });
    socket.setNoDelay(true);
    socket.once("error", reject);
  });
}

/** Write `data` and wait until it is flushed to the OS. */
export function write(socket: net.Socket, data: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => socket.write(data, (err) => (err ? reject(err) : resolve())));
}

/** End a client and wait until the connection is fully closed. */
export function endAndWait(socket: net.Socket): Promise<void> {
  return new Promise((resolve) => {
    socket.once("close", () => resolve());
    socket.end();
    socket.resume();
  });
}

/** Wait until a socket closes (for example because the server closed it). */
export function closed(socket: net.Socket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.closed) resolve();
    else socket.once("close", () => resolve());
    socket.resume();
  });
}

/** A port nothing listens on (bound then released). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen({ host: "127.0.0.1", port: 0 }, resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A framed test server on 127.0.0.1: collects the payloads of every connection. */
export class FrameServer {
  readonly payloads: Buffer[] = [];
  readonly sockets = new Set<net.Socket>();
  /** Connections accepted so far, and connections the clients ended. */
  accepted = 0;
  ended = 0;
  /** Called after each chunk that completed frames. */
  onPayload: () => void = () => undefined;
  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {}

  /** Listen on `port` (0: any free port). `paused`: accept but do not read until `resumeAll`. */
  static async start(port = 0, options: FrameDecoderOptions & { paused?: boolean } = {}): Promise<FrameServer> {
    const server = net.createServer({ pauseOnConnect: options.paused ?? false });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen({ host: "127.0.0.1", port }, () => {
        server.off("error", reject);
        resolve();
      });
    });
    const self = new FrameServer(server, (server.address() as net.AddressInfo).port);
    server.on("connection", (socket) => {
      self.accepted++;
      self.sockets.add(socket);
      const decoder = new FrameDecoder(options);
      socket.on("data", (chunk: Buffer) => {
        const before = self.payloads.length;
        decoder.push(chunk, self.payloads);
        if (self.payloads.length > before) self.onPayload();
      });
      socket.on("end", () => self.ended++);
      socket.on("error", () => undefined);
      socket.on("close", () => self.sockets.delete(socket));
    });
    return self;
  }

  /** Payloads as UTF-8 strings. */
  texts(): string[] {
    return this.payloads.map((p) => p.toString("utf8"));
  }

  /** Start reading connections accepted while `paused`. */
  resumeAll(): void {
    for (const s of this.sockets) s.resume();
  }

  /** Stop listening and drop every connection. */
  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

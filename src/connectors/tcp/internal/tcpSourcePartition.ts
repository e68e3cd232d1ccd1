/**
 * The partition behind `TcpSource`: a TCP listener whose connections' frames
 * are queued until the flow reads them.
 *
 * @module
 * @internal
 */
import * as net from "node:net";
import { StatefulSourcePartition } from "../../../inputs/source.js";
import { ConnectorError, StepError, causeText } from "../../../errors.js";
import { FrameDecoder } from "../frames.js";
import type { CheckedFrameFormat } from "./frameFormat.js";
import { formatAddress, socketErrorText } from "./address.js";

/** @internal Everything a {@link TcpSourcePartition} needs (options already checked). */
export interface TcpSourceConfig<X> {
  readonly stepId: string;
  readonly partition: string;
  readonly host: string;
  readonly port: number;
  readonly decoder: (payload: Buffer) => X | undefined;
  readonly format: CheckedFrameFormat;
  readonly maxFrameBytes: number;
  readonly endAfter: number;
  readonly bufferSize: number;
  readonly batchSize: number;
  readonly log: (message: string) => void;
  readonly onListening: ((address: { host: string; port: number }) => void) | undefined;
}

/** @internal A received payload and who sent it. */
interface Received {
  readonly payload: Buffer;
  readonly peer: string;
}

/**
 * @internal Accepts connections, decodes frames as bytes arrive (a
 * {@link FrameDecoder} per connection) and queues the payloads; `nextBatch`
 * runs the user's decoder on them. Sockets are paused while the queue holds
 * `bufferSize` payloads or more. The server and sockets are unref'd: the
 * running flow keeps the process alive, a listener left behind by a failed
 * run does not.
 */
export class TcpSourcePartition<X> extends StatefulSourcePartition<X, undefined> {
  private queue: Received[] = [];
  private head = 0;
  private readonly sockets = new Set<net.Socket>();
  private closedConnections = 0;
  /** Whether reading is paused because the queue is full. */
  private paused = false;
  /** Whether the listener stopped accepting (enough connections closed, or closing). */
  private accepting = true;
  private closed = false;
  /** The bound address, for messages (differs from the partition name with port 0). */
  private readonly bound: string;

  private constructor(
    private readonly config: TcpSourceConfig<X>,
    private readonly server: net.Server,
  ) {
    super();
    const address = server.address() as net.AddressInfo;
    this.bound = formatAddress(address.address, address.port);
    server.on("connection", (socket) => this.accept(socket));
    server.on("error", (err) => config.log(`${this.who()}: listener error: ${socketErrorText(err)}`));
  }

  /** @internal Bind a listener on the configured address; resolves once it is listening. */
  static listen<X>(config: TcpSourceConfig<X>): Promise<TcpSourcePartition<X>> {
    return new Promise((resolve, reject) => {
      const server = net.createServer();
      const onError = (err: Error): void => {
        reject(
          new ConnectorError(
            `TcpSource in step '${config.stepId}' cannot listen on ${config.partition}: ${socketErrorText(err)}`,
            { retriable: (err as NodeJS.ErrnoException).code === "EADDRINUSE", cause: err },
          ),
        );
      };
      server.once("error", onError);
      server.listen({ host: config.host, port: config.port }, () => {
        server.off("error", onError);
        server.unref();
        const part = new TcpSourcePartition(config, server);
        const address = server.address() as net.AddressInfo;
        try {
          config.onListening?.({ host: address.address, port: address.port });
        } catch (err) {
          part.close();
          reject(err);
          return;
        }
        resolve(part);
      });
    });
  }

  /** Up to `batchSize` decoded items; `null` once the input has ended and everything was emitted. */
  nextBatch(): X[] | null {
    const { batchSize, decoder } = this.config;
    const out: X[] = [];
    const queue = this.queue;
    while (this.head < queue.length && out.length < batchSize) {
      const { payload, peer } = queue[this.head++];
      let item: X | undefined;
      try {
        item = decoder(payload);
      } catch (err) {
        this.close();
        throw new StepError(
          `error calling \`decoder\` of partition '${this.config.partition}' in step '${this.config.stepId}' ` +
            `on a frame from ${peer}: ${causeText(err)}`,
          { stepId: this.config.stepId, partition: this.config.partition, cause: err },
        );
      }
      if (item !== undefined) out.push(item);
    }
    if (this.head === queue.length) {
      this.queue = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= queue.length) {
      this.queue = queue.slice(this.head);
      this.head = 0;
    }
    if (this.paused && this.queue.length - this.head <= this.config.bufferSize / 2) this.resumeReading();
    if (out.length === 0 && this.queue.length === 0 && !this.accepting && this.sockets.size === 0) return null;
    return out;
  }

  /** Always `undefined`: a socket cannot be replayed. */
  snapshot(): undefined {
    return undefined;
  }

  /** The run ended early: stop listening and close every connection, as `close` does. */
  override abort(): void {
    this.close();
  }

  /** Stop listening and close every connection. */
  override close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopAccepting();
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  private accept(socket: net.Socket): void {
    if (this.closed || !this.accepting) {
      socket.destroy();
      return;
    }
    const peer = formatAddress(socket.remoteAddress, socket.remotePort);
    const frames = new FrameDecoder({
      headerLength: this.config.format.headerLength,
      endian: this.config.format.littleEndian ? "little" : "big",
      maxFrameBytes: this.config.maxFrameBytes,
    });
    let failed = false;
    this.sockets.add(socket);
    socket.unref();
    if (this.paused) socket.pause();
    socket.on("data", (chunk: Buffer) => {
      if (failed) return;
      const payloads: Buffer[] = [];
      try {
        frames.push(chunk, payloads);
      } catch (err) {
        failed = true;
        this.config.log(`${this.who()}: closing the connection from ${peer}: ${causeText(err)}`);
        socket.destroy();
      }
      for (let i = 0; i < payloads.length; i++) this.queue.push({ payload: payloads[i], peer });
      if (!this.paused && this.queue.length - this.head >= this.config.bufferSize) this.pauseReading();
    });
    socket.on("error", (err) => {
      failed = true;
      this.config.log(`${this.who()}: connection from ${peer} failed: ${socketErrorText(err)}`);
    });
    socket.on("close", () => {
      if (!failed && frames.midFrame) {
        this.config.log(
          `${this.who()}: connection from ${peer} closed in the middle of a frame ` +
            `(${frames.pendingBytes} bytes of it received); the partial frame is dropped`,
        );
      }
      if (!this.sockets.delete(socket)) return;
      this.closedConnections++;
      if (this.closedConnections >= this.config.endAfter) this.stopAccepting();
    });
  }

  private stopAccepting(): void {
    if (!this.accepting) return;
    this.accepting = false;
    this.server.close();
  }

  private pauseReading(): void {
    this.paused = true;
    for (const socket of this.sockets) socket.pause();
  }

  private resumeReading(): void {
    this.paused = false;
    for (const socket of this.sockets) socket.resume();
  }

  private who(): string {
    return `TcpSource in step '${this.config.stepId}' (listening on ${this.bound})`;
  }
}

/**
 * The partition behind `TcpSink`: one client connection, reconnected with
 * backoff, written a batch of frames at a time.
 *
 * @module
 * @internal
 */
import * as net from "node:net";
import { StatelessSinkPartition } from "../../../outputs/sink.js";
import { ConnectorError, StepError, causeText, describeType } from "../../../errors.js";
import { encodeFrames, type CheckedFrameFormat } from "./frameFormat.js";
import { formatAddress, socketErrorText } from "./address.js";

/** @internal Everything a {@link TcpSinkPartition} needs (options already checked). */
export interface TcpSinkConfig<X> {
  readonly stepId: string;
  readonly host: string;
  readonly port: number;
  readonly encoder: (item: X) => Uint8Array;
  readonly format: CheckedFrameFormat;
  readonly initialBackoff: number;
  readonly maxBackoff: number;
  readonly maxAttempts: number;
  readonly connectTimeout: number;
  readonly log: (message: string) => void;
}

/** @internal How long `close` waits for the server to close its side before dropping the connection. */
const CLOSE_TIMEOUT_MS = 2000;

/**
 * @internal Writes each batch as one Buffer of frames. When `write` reports
 * a full buffer it waits for `drain`; if the connection drops before that,
 * it reconnects and writes the batch again. The socket is unref'd while
 * idle so that a run that stops without closing the sink does not keep the
 * process alive; it is ref'd while a write or close waits on it.
 */
export class TcpSinkPartition<X> extends StatelessSinkPartition<X> {
  private socket: net.Socket | undefined;
  private connecting: Promise<net.Socket> | undefined;
  private aborted = false;
  /** Cancels a backoff sleep. */
  private wake: (() => void) | undefined;
  private readonly address: string;

  private constructor(private readonly config: TcpSinkConfig<X>) {
    super();
    this.address = formatAddress(config.host, config.port);
  }

  /** @internal Connect (with retries); resolves once connected. */
  static async open<X>(config: TcpSinkConfig<X>): Promise<TcpSinkPartition<X>> {
    const part = new TcpSinkPartition(config);
    await part.connected();
    return part;
  }

  /** Encode the items as frames and write them in one go; waits for `drain` when needed. */
  async writeBatch(items: X[]): Promise<void> {
    if (items.length === 0) return;
    const data = encodeFrames(this.encode(items), this.config.format, this.who());
    while (true) {
      const socket = await this.connected();
      try {
        await this.send(socket, data);
        return;
      } catch (err) {
        if (this.aborted) throw err;
        this.config.log(`${this.who()}: lost the connection to ${this.address} while writing (${socketErrorText(err)}); reconnecting to write the batch again`);
        this.forget(socket);
        socket.destroy();
      }
    }
  }

  /** End the connection after the written data, and wait (up to 2 s) for the server to close its side. */
  override async close(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    if (socket === undefined || socket.destroyed) return;
    socket.ref();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => socket.destroy(), CLOSE_TIMEOUT_MS);
      socket.once("close", () => {
        clearTimeout(timer);
        resolve();
      });
      socket.end();
    });
  }

  /** Drop the connection and stop reconnecting. */
  override abort(_error: unknown): void {
    this.aborted = true;
    this.wake?.();
    this.socket?.destroy();
    this.socket = undefined;
  }

  private encode(items: X[]): Uint8Array[] {
    const { encoder, stepId } = this.config;
    const out = new Array<Uint8Array>(items.length);
    for (let i = 0; i < items.length; i++) {
      let bytes: unknown;
      try {
        bytes = encoder(items[i]);
      } catch (err) {
        throw new StepError(`error calling \`encoder\` in step '${stepId}': ${causeText(err)}`, { stepId, cause: err });
      }
      if (!(bytes instanceof Uint8Array)) {
        const cause = new TypeError(`\`encoder\` of TcpSink must return a Buffer or Uint8Array; got ${describeType(bytes)}`);
        throw new StepError(`error calling \`encoder\` in step '${stepId}': ${cause.message}`, { stepId, cause });
      }
      out[i] = bytes;
    }
    return out;
  }

  /** Write `data`; resolves at once, or on `drain` if the socket's buffer is full. */
  private send(socket: net.Socket, data: Buffer): Promise<void> {
    if (!socket.writable) return Promise.reject(new ConnectorError("the connection is closed"));
    if (socket.write(data)) return Promise.resolve();
    socket.ref();
    return new Promise((resolve, reject) => {
      const done = (err?: unknown): void => {
        socket.off("drain", onDrain);
        socket.off("close", onClose);
        socket.unref();
        if (err === undefined) resolve();
        else reject(err instanceof Error ? err : new Error(String(err)));
      };
      const onDrain = (): void => done();
      const onClose = (): void => done(new ConnectorError("the connection closed before the data was written"));
      socket.on("drain", onDrain);
      socket.on("close", onClose);
    });
  }

  /** The live connection, connecting (with backoff) if there is none. */
  private connected(): Promise<net.Socket> {
    if (this.aborted) return Promise.reject(new ConnectorError(`${this.who()} was aborted`));
    const socket = this.socket;
    if (socket !== undefined && socket.writable) return Promise.resolve(socket);
    this.connecting ??= this.connectWithBackoff().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async connectWithBackoff(): Promise<net.Socket> {
    const { initialBackoff, maxBackoff, maxAttempts } = this.config;
    let delay = initialBackoff;
    for (let attempt = 1; ; attempt++) {
      if (this.aborted) throw new ConnectorError(`${this.who()} was aborted`);
      try {
        const socket = await this.tryConnect();
        if (attempt > 1) this.config.log(`${this.who()}: connected to ${this.address} after ${attempt} attempts`);
        this.adopt(socket);
        return socket;
      } catch (err) {
        if (this.aborted) throw new ConnectorError(`${this.who()} was aborted`, { cause: err });
        if (attempt >= maxAttempts) {
          throw new ConnectorError(
            `${this.who()} cannot connect to ${this.address} after ${attempt} attempt${attempt === 1 ? "" : "s"}: ${socketErrorText(err)}`,
            { retriable: true, cause: err },
          );
        }
        this.config.log(`${this.who()}: cannot connect to ${this.address} (${socketErrorText(err)}); attempt ${attempt}, retrying in ${delay} ms`);
        await this.sleep(delay);
        delay = Math.min(delay * 2, maxBackoff);
      }
    }
  }

  private tryConnect(): Promise<net.Socket> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: this.config.host, port: this.config.port });
      const fail = (err: unknown): void => {
        socket.off("connect", onConnect);
        socket.destroy();
        reject(err);
      };
      const onError = (err: Error): void => fail(err);
      const onTimeout = (): void => fail(new ConnectorError(`no connection within ${this.config.connectTimeout} ms`));
      const onConnect = (): void => {
        socket.off("error", onError);
        socket.off("timeout", onTimeout);
        socket.setTimeout(0);
        resolve(socket);
      };
      socket.once("error", onError);
      socket.once("timeout", onTimeout);
      socket.once("connect", onConnect);
      socket.setTimeout(this.config.connectTimeout);
    });
  }

  /** Make `socket` the live connection: watch it, discard what the server sends, unref it while idle. */
  private adopt(socket: net.Socket): void {
    socket.setNoDelay(true);
    socket.on("error", (err) => {
      if (this.forget(socket)) this.config.log(`${this.who()}: connection to ${this.address} failed: ${socketErrorText(err)}`);
    });
    const onGone = (): void => {
      if (this.forget(socket)) this.config.log(`${this.who()}: ${this.address} closed the connection; reconnecting at the next write`);
    };
    socket.on("end", onGone);
    socket.on("close", onGone);
    socket.resume();
    socket.unref();
    if (this.aborted) socket.destroy();
    else this.socket = socket;
  }

  /** Forget `socket` if it is the live connection; whether it was. */
  private forget(socket: net.Socket): boolean {
    if (this.socket !== socket) return false;
    this.socket = undefined;
    return true;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }

  private who(): string {
    return `TcpSink in step '${this.config.stepId}'`;
  }
}

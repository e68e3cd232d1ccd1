/**
 * `TcpSink`: items written as frames to a TCP server.
 *
 * @module
 */
import { DynamicSink, type StatelessSinkPartition } from "../../outputs/sink.js";
import { BuildError } from "../../errors.js";
import type { FrameFormat } from "./frames.js";
import { checkFrameFormat } from "./internal/frameFormat.js";
import { addressProblem } from "./internal/address.js";
import { TcpSinkPartition, type TcpSinkConfig } from "./internal/tcpSinkPartition.js";

/**
 * Options of {@link TcpSink}.
 *
 * @typeParam X - Item type.
 * @category Connectors
 * @example
 * ```ts
 * // JSON payloads behind 8-byte little-endian lengths; give up after 5 failed connection attempts.
 * const options: TcpSinkOptions<object> = {
 *   host: "127.0.0.1",
 *   port: 9001,
 *   headerLength: 8,
 *   endian: "little",
 *   encoder: (item) => Buffer.from(JSON.stringify(item)),
 *   maxAttempts: 5,
 * };
 * new TcpSink(options);
 * ```
 */
export interface TcpSinkOptions<X> extends FrameFormat {
  /** The server's host name or address. */
  host: string;
  /** The server's port. */
  port: number;
  /**
   * Turns an item into the payload of one frame. Must return a `Buffer` or
   * `Uint8Array`, else the run fails with a `StepError` (as it does if the
   * encoder throws).
   */
  encoder: (item: X) => Uint8Array;
  /** Delay before the first reconnection attempt, in ms; it doubles after each failure. Default `100`. */
  initialBackoff?: number;
  /** Longest delay between two connection attempts, in ms. Default `5000`. */
  maxBackoff?: number;
  /**
   * Connection attempts in a row before the run fails with a
   * `ConnectorError` (`retriable: true`); a positive integer or `Infinity`
   * (the default: keep trying, logging each failure).
   */
  maxAttempts?: number;
  /** How long one connection attempt may take, in ms. Default `10_000`. */
  connectTimeout?: number;
  /**
   * Where connection problems are reported (failed attempts, lost
   * connections); each message names the step and the server. Default
   * `console.error`.
   */
  logger?: (message: string) => void;
}

/**
 * Connects to a TCP server and writes each item as a length-prefixed frame
 * (Wallaroo's `TCPSink`): the payload is `encoder(item)`, preceded by its
 * length as a `headerLength`-byte unsigned integer (see {@link FrameFormat};
 * by default 4 bytes, big-endian). {@link FrameDecoder} reads them back.
 *
 * - A dynamic sink: each worker opens its own connection, when the flow
 *   starts; the flow waits until it is connected.
 * - Each batch is written with one `write`; when the socket's buffer is
 *   full the flow waits for it to `drain` (backpressure: a slow server slows
 *   the flow instead of filling memory).
 * - When the connection fails or the server closes it, the next batch
 *   reconnects with exponential backoff (`initialBackoff`, doubling, up to
 *   `maxBackoff`), logging each failed attempt; the flow waits meanwhile. A
 *   batch whose write was waiting on `drain` when the connection dropped is
 *   written again in full on the new connection.
 * - At the end of the run the connection is ended after the last frame;
 *   when the run fails it is dropped.
 *
 * Delivery is best effort, at least once for what the flow replays after a
 * crash: TCP has no application acknowledgements, so frames the operating
 * system accepted just before the server went away can be lost, and a batch
 * written again after a drop can arrive twice.
 *
 * @typeParam X - Item type.
 * @category Connectors
 * @example
 * ```ts
 * const flow = new Dataflow("tcp_out");
 * flow
 *   .input("in", new TestingSource(["a", "b"]))
 *   .output("out", new TcpSink({ host: "127.0.0.1", port: 9001, encoder: (s) => Buffer.from(s) }));
 * await runMain(flow);
 * // the server at 127.0.0.1:9001 receives <00 00 00 01 61 00 00 00 01 62>
 * ```
 */
export class TcpSink<X> extends DynamicSink<X> {
  /** The server's host, as given. */
  readonly host: string;
  /** The server's port, as given. */
  readonly port: number;
  private readonly settings: Omit<TcpSinkConfig<X>, "stepId">;

  /**
   * @param options - Server address, encoder, framing and reconnection; see {@link TcpSinkOptions}.
   * @throws {@link sluice!BuildError | BuildError} if an option is invalid.
   */
  constructor(options: TcpSinkOptions<X>) {
    super();
    const fail: (problem: string) => never = (problem) => {
      throw new BuildError(`TcpSink ${problem}`);
    };
    if (typeof options !== "object" || options === null) fail("needs an options object with host, port and encoder");
    const problem = addressProblem(options.host, options.port, 1);
    if (problem !== undefined) fail(problem);
    if (typeof options.encoder !== "function") fail("encoder must be a function");
    const format = checkFrameFormat(options);
    if (typeof format === "string") fail(format);
    const { initialBackoff = 100, maxBackoff = 5000, maxAttempts = Infinity, connectTimeout = 10_000 } = options;
    for (const [name, value] of [["initialBackoff", initialBackoff], ["maxBackoff", maxBackoff], ["connectTimeout", connectTimeout]] as const) {
      if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) fail(`${name} must be a finite number of ms > 0; got ${String(value)}`);
    }
    if (maxBackoff < initialBackoff) fail(`maxBackoff (${maxBackoff}) must not be less than initialBackoff (${initialBackoff})`);
    if (typeof maxAttempts !== "number" || !(maxAttempts === Infinity || (Number.isInteger(maxAttempts) && maxAttempts >= 1))) {
      fail(`maxAttempts must be a positive integer or Infinity; got ${String(maxAttempts)}`);
    }
    if (options.logger !== undefined && typeof options.logger !== "function") fail("logger must be a function");
    this.host = options.host;
    this.port = options.port;
    this.settings = {
      host: options.host,
      port: options.port,
      encoder: options.encoder,
      format,
      initialBackoff,
      maxBackoff,
      maxAttempts,
      connectTimeout,
      log: options.logger ?? ((message: string) => console.error(message)),
    };
  }

  /**
   * Connect this worker's partition, retrying with backoff.
   *
   * @param stepId - Full id of the output step, for messages.
   * @param _workerIndex - This worker's index (unused: every worker connects).
   * @param _workerCount - How many workers run the flow (unused).
   * @returns A connected partition.
   * @throws {@link sluice!ConnectorError | ConnectorError} (`retriable: true`) after
   *   `maxAttempts` failed connection attempts.
   */
  build(stepId: string, _workerIndex: number, _workerCount: number): Promise<StatelessSinkPartition<X>> {
    return TcpSinkPartition.open<X>({ ...this.settings, stepId });
  }
}

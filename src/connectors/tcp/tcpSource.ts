/**
 * `TcpSource`: frames received on a TCP listener.
 *
 * @module
 */
import { FixedPartitionedSource, type StatefulSourcePartition } from "../../inputs/source.js";
import { BuildError, ConnectorError } from "../../errors.js";
import type { FrameFormat } from "./frames.js";
import { checkFrameFormat, checkMaxFrameBytes } from "./internal/frameFormat.js";
import { addressProblem, formatAddress } from "./internal/address.js";
import { TcpSourcePartition, type TcpSourceConfig } from "./internal/tcpSourcePartition.js";

/**
 * Options of {@link TcpSource}.
 *
 * @typeParam X - Item type.
 * @category Connectors
 * @example
 * ```ts
 * // JSON payloads behind 2-byte lengths; end after one client has come and gone.
 * const options: TcpSourceOptions<unknown> = {
 *   host: "127.0.0.1",
 *   port: 0,
 *   headerLength: 2,
 *   decoder: (payload) => JSON.parse(payload.toString("utf8")),
 *   endAfterConnections: 1,
 *   onListening: ({ port }) => console.log(`send frames to port ${port}`),
 * };
 * new TcpSource(options);
 * ```
 */
export interface TcpSourceOptions<X> extends FrameFormat {
  /** Address to listen on, like `"127.0.0.1"` or `"0.0.0.0"`. */
  host: string;
  /** Port to listen on; `0` picks a free one (see `onListening`). */
  port: number;
  /**
   * Turns one frame's payload into an item, or `undefined` to drop the
   * frame. Called in the flow as batches are read; an error it throws fails
   * the run with a `StepError` naming the step and the peer.
   */
  decoder: (payload: Buffer) => X | undefined;
  /**
   * Largest payload accepted, in bytes. A connection sending a larger frame
   * is closed with a logged error. Default 16 MiB.
   */
  maxFrameBytes?: number;
  /**
   * End the input once this many connections have closed (a positive
   * integer), or never (`Infinity`, the default). After the `n`-th close
   * the listener stops accepting; connections still open are read until
   * they close, then the input ends.
   */
  endAfterConnections?: number;
  /**
   * Frames buffered before the source stops reading its sockets (TCP
   * backpressure then slows the senders); reading resumes once the flow has
   * taken half of them. A positive integer, default `10_000`.
   */
  bufferSize?: number;
  /** Most items emitted per batch (a positive integer). Default `1000`. */
  batchSize?: number;
  /**
   * Where connection problems are reported (oversize frame, cut frame,
   * socket error); each message names the step and the peer. Default
   * `console.error`.
   */
  logger?: (message: string) => void;
  /** Called once the listener is bound, with its address (to learn the port picked for `port: 0`). */
  onListening?: (address: { host: string; port: number }) => void;
}

/**
 * Listens on a TCP address and emits the frames that clients send, decoded
 * (Wallaroo's `TCPSource`). Frames are length-prefixed (see
 * {@link FrameFormat}: by default a 4-byte big-endian length, counting the
 * payload only); each payload goes through `decoder`.
 *
 * - Any number of clients may connect, one after the other or at once.
 *   Frames of one connection are emitted in order; frames of different
 *   connections interleave in arrival order.
 * - A connection that sends a frame larger than `maxFrameBytes`, or closes
 *   in the middle of a frame, is closed (the partial frame dropped) and the
 *   error logged with the step id and the peer's address. The flow goes on.
 * - The input ends after `endAfterConnections` connections have closed, or
 *   never (the default).
 *
 * One partition, named `host:port`, so with several workers exactly one
 * listens. The listener is opened when the partition is built and closed at
 * the end of the input; it does not keep the process alive by itself.
 *
 * **At most once**: the resume state is `undefined`, since a socket cannot
 * be replayed. Frames received but not yet processed when the flow crashes
 * are lost, and clients are not told; use an acknowledging protocol or a
 * log (Kafka, files) when that matters.
 *
 * @typeParam X - Item type.
 * @category Connectors
 * @example
 * ```ts
 * const flow = new Dataflow("tcp_in");
 * flow
 *   .input("in", new TcpSource({
 *     host: "127.0.0.1",
 *     port: 9000,
 *     decoder: (payload) => payload.toString("utf8"),
 *     endAfterConnections: 1,
 *   }))
 *   .output("out", new StdOutSink());
 * await runMain(flow);
 * // a client sends encodeFrame(Buffer.from("hello")) then closes; prints:
 * // hello
 * ```
 */
export class TcpSource<X> extends FixedPartitionedSource<X, undefined> {
  /** The address to listen on, as given. */
  readonly host: string;
  /** The port to listen on, as given. */
  readonly port: number;
  private readonly settings: Omit<TcpSourceConfig<X>, "stepId" | "partition">;

  /**
   * @param options - Address, decoder, framing and limits; see {@link TcpSourceOptions}.
   * @throws {@link sluice!BuildError | BuildError} if an option is invalid.
   */
  constructor(options: TcpSourceOptions<X>) {
    super();
    const fail: (problem: string) => never = (problem) => {
      throw new BuildError(`TcpSource ${problem}`);
    };
    if (typeof options !== "object" || options === null) fail("needs an options object with host, port and decoder");
    const problem = addressProblem(options.host, options.port, 0);
    if (problem !== undefined) fail(problem);
    if (typeof options.decoder !== "function") fail("decoder must be a function");
    const format = checkFrameFormat(options);
    if (typeof format === "string") fail(format);
    const maxFrameBytes = checkMaxFrameBytes(options.maxFrameBytes);
    if (typeof maxFrameBytes === "string") fail(maxFrameBytes);
    const endAfter = options.endAfterConnections ?? Infinity;
    if (typeof endAfter !== "number" || !(endAfter === Infinity || (Number.isInteger(endAfter) && endAfter >= 1))) {
      fail(`endAfterConnections must be a positive integer or Infinity; got ${String(endAfter)}`);
    }
    const bufferSize = options.bufferSize ?? 10_000;
    const batchSize = options.batchSize ?? 1000;
    for (const [name, value] of [["bufferSize", bufferSize], ["batchSize", batchSize]] as const) {
      if (typeof value !== "number" || !Number.isInteger(value) || value < 1) fail(`${name} must be a positive integer; got ${String(value)}`);
    }
    if (options.logger !== undefined && typeof options.logger !== "function") fail("logger must be a function");
    if (options.onListening !== undefined && typeof options.onListening !== "function") fail("onListening must be a function");
    this.host = options.host;
    this.port = options.port;
    this.settings = {
      host: options.host,
      port: options.port,
      decoder: options.decoder,
      format,
      maxFrameBytes,
      endAfter,
      bufferSize,
      batchSize,
      log: options.logger ?? ((message: string) => console.error(message)),
      onListening: options.onListening,
    };
  }

  /**
   * The single partition, `host:port` as given (an IPv6 host in brackets).
   *
   * @returns `["<host>:<port>"]`.
   */
  listParts(): string[] {
    return [formatAddress(this.host, this.port)];
  }

  /**
   * Start listening. There is nothing to resume: the state is always `undefined`.
   *
   * @param stepId - Full id of the input step, for messages.
   * @param forPart - `host:port` (the only partition).
   * @param _resumeState - Always `undefined`.
   * @returns A partition emitting the decoded frames, once the listener is bound.
   * @throws {@link sluice!ConnectorError | ConnectorError} if the address cannot be
   *   listened on (in use, not local, no permission).
   */
  async buildPart(stepId: string, forPart: string, _resumeState: undefined): Promise<StatefulSourcePartition<X, undefined>> {
    const name = formatAddress(this.host, this.port);
    if (forPart !== name) throw new ConnectorError(`TcpSource for '${name}' in step '${stepId}' has no partition '${forPart}'`);
    return TcpSourcePartition.listen<X>({ ...this.settings, stepId, partition: name });
  }
}

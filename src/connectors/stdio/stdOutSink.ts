/**
 * `StdOutSink`: print items to standard output.
 *
 * @module
 */
import { inspect } from "node:util";
import { ConnectorError, causeText } from "../../errors.js";
import { DynamicSink, StatelessSinkPartition } from "../../outputs/sink.js";

/**
 * Prints each item on its own line of standard output: strings as they are,
 * anything else formatted with `util.inspect` (like `console.log` does).
 *
 * Each worker prints its own items, one `process.stdout.write` per batch.
 * When stdout's buffer is full, the write waits for it to drain before the
 * flow reads on (backpressure). Not resumable: items of an epoch replayed
 * after a crash are printed again.
 *
 * When stdout is closed by its reader (`| head -3` exits: EPIPE), the next
 * write fails the step with a {@link sluice!ConnectorError | ConnectorError}
 * saying so, whose `cause` is the EPIPE error; `sluice run` stops such a
 * run quietly instead (exit code 141, as a shell reports for `cat` or `grep`
 * killed by SIGPIPE).
 *
 * @category Connectors
 * @example
 * ```ts
 * const flow = new Dataflow("hello");
 * flow.input("in", new TestingSource(["hi", { n: 1 }])).output("out", new StdOutSink());
 * await runMain(flow);
 * // prints:
 * // hi
 * // { n: 1 }
 * ```
 */
export class StdOutSink extends DynamicSink<unknown> {
  /**
   * Build this worker's partition; every worker writes to the same stdout.
   *
   * @param _stepId - Full id of the output step (unused).
   * @param _workerIndex - This worker's index (unused).
   * @param _workerCount - How many workers run the flow (unused).
   * @returns A partition printing to `process.stdout`.
   */
  build(_stepId: string, _workerIndex: number, _workerCount: number): StatelessSinkPartition<unknown> {
    return new StdOutPartition();
  }
}

class StdOutPartition extends StatelessSinkPartition<unknown> {
  /** The error stdout failed with while this partition was open (EPIPE: the reader went away). */
  private failure: Error | undefined;
  /** Kept while the partition is open: an EPIPE then fails the next write, instead of crashing the process. */
  private readonly onError = (err: Error): void => {
    this.failure ??= err;
  };

  constructor() {
    super();
    process.stdout.on("error", this.onError);
  }

  writeBatch(items: unknown[]): void | Promise<void> {
    const n = items.length;
    if (n === 0) return;
    // A destroyed stream drops writes without an 'error' event (and never drains).
    if (this.failure !== undefined || process.stdout.destroyed) throw closedError(this.failure);
    const lines = new Array<string>(n);
    for (let i = 0; i < n; i++) {
      const item = items[i];
      lines[i] = typeof item === "string" ? item : inspect(item);
    }
    lines.push("");
    if (process.stdout.write(lines.join("\n"))) return;
    return drained(process.stdout);
  }

  override close(): void {
    process.stdout.off("error", this.onError);
  }

  override abort(): void {
    process.stdout.off("error", this.onError);
  }
}

/** The error of a write to a closed stdout: in words, with what closed it as `cause`. */
function closedError(cause: Error | undefined): ConnectorError {
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  const why =
    code === "EPIPE"
      ? " (EPIPE): what read it went away, like `head` after its lines"
      : cause === undefined
        ? ""
        : `: ${causeText(cause)}`;
  return new ConnectorError(`cannot print: standard output is closed${why}`, { cause });
}

function drained(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve, reject) => {
    const settle = (err?: unknown): void => {
      stream.off("drain", onDrain);
      stream.off("error", onError);
      stream.off("close", onClose);
      if (err === undefined) resolve();
      else reject(err);
    };
    const onDrain = (): void => settle();
    const onError = (err: Error): void => settle(closedError(err));
    // Destroyed without an error: it will never drain.
    const onClose = (): void => settle(closedError(undefined));
    stream.once("drain", onDrain);
    stream.once("error", onError);
    stream.once("close", onClose);
  });
}

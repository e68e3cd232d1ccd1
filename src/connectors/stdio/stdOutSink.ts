/**
 * `StdOutSink`: print items to standard output.
 *
 * @module
 */
import { inspect } from "node:util";
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
  writeBatch(items: unknown[]): void | Promise<void> {
    const n = items.length;
    if (n === 0) return;
    const lines = new Array<string>(n);
    for (let i = 0; i < n; i++) {
      const item = items[i];
      lines[i] = typeof item === "string" ? item : inspect(item);
    }
    lines.push("");
    if (process.stdout.write(lines.join("\n"))) return;
    return drained(process.stdout);
  }
}

function drained(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve, reject) => {
    const onDrain = (): void => {
      stream.off("error", onError);
      resolve();
    };
    const onError = (err: unknown): void => {
      stream.off("drain", onDrain);
      reject(err instanceof Error ? err : new Error(String(err)));
    };
    stream.once("drain", onDrain);
    stream.once("error", onError);
  });
}

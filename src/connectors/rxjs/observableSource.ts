/**
 * `ObservableSource`: read an RxJS Observable as a dynamic source.
 *
 * @module
 */
import type { ObservableInput } from "rxjs";
import { DynamicSource, type StatelessSourcePartition } from "../../inputs/source.js";
import { BuildError } from "../../errors.js";
import { ObservablePartition } from "./internal/observablePartition.js";

/**
 * What {@link ObservableSource} does when a value arrives while its buffer
 * already holds `bufferSize` values:
 *
 * - `"error"` (the default): unsubscribe and fail the run with a
 *   {@link sluice!StepError | StepError} naming the step, once the values
 *   buffered before are emitted. Nothing is lost silently.
 * - `"drop"`: drop the arriving value, count it in
 *   {@link ObservableSource.dropped}, and stay subscribed. For live feeds
 *   (sensor readings, UI events) where falling behind matters more than
 *   completeness.
 *
 * There is no "pause" policy: RxJS has no backpressure, and the only way to
 * pause an Observable is to unsubscribe and subscribe again later, which
 * replays a cold Observable from its start and silently skips a hot one's
 * values in between.
 *
 * @category Connectors
 * @example
 * ```ts
 * const clicks = new ObservableSource(() => fromEvent(button, "click"), { bufferSize: 100, onOverflow: "drop" });
 * // later: clicks.dropped, the number of clicks the flow could not keep up with
 * ```
 */
export type ObservableOverflow = "error" | "drop";

/**
 * Options of {@link ObservableSource}.
 *
 * @category Connectors
 * @example
 * ```ts
 * // Emit in batches of at most 100; fail if 1000 values pile up between polls.
 * const options: ObservableSourceOptions = { bufferSize: 1000, onOverflow: "error", batchSize: 100 };
 * new ObservableSource(() => feed$, options);
 * ```
 */
export interface ObservableSourceOptions {
  /**
   * Most values held between two polls of the flow (a positive integer).
   * Default `10_000`. An Observable that emits many values synchronously on
   * subscription (`from(bigArray)`, `range`) needs a buffer at least that
   * large with the `"error"` policy.
   */
  bufferSize?: number;
  /** What to do with a value that arrives when the buffer is full. Default `"error"`. */
  onOverflow?: ObservableOverflow;
  /** Most values emitted per batch (a positive integer). Default `1000`. */
  batchSize?: number;
}

/**
 * Reads the values of an RxJS Observable: each worker calls `factory` with
 * its index and the worker count, subscribes to what it returns, and emits
 * the values in order.
 *
 * - Values are buffered between polls of the flow (RxJS pushes, Sluice
 *   polls). The buffer is bounded by `bufferSize`; see
 *   {@link ObservableOverflow} for what happens when it is full.
 * - `complete` ends the input once the buffered values are emitted.
 * - `error` fails the run, once the buffered values are emitted, with a
 *   {@link sluice!StepError | StepError} naming the step (and the partition
 *   `worker-<index>`) whose `cause` is the Observable's error.
 * - The factory runs when the flow starts (in `build`); a factory that
 *   throws or returns something that is not an `ObservableInput` fails the
 *   run with a `StepError` too.
 *
 * Like every dynamic source it is not resumable (at most once across a
 * crash). The subscription is closed at the end of the input; if the run
 * fails or is stopped for another reason, sources are not told, so end
 * endless Observables yourself (`takeUntil(stop$)`) when that matters.
 *
 * rxjs 7 is an optional peer dependency: install it to use this entry point.
 *
 * @typeParam X - Value type.
 * @category Connectors
 * @example
 * ```ts
 * import { interval, map, take } from "rxjs";
 *
 * const flow = new Dataflow("ticks");
 * flow
 *   .input("in", new ObservableSource(() => interval(10).pipe(take(3), map((i) => `tick ${i}`))))
 *   .output("out", new StdOutSink());
 * await runMain(flow);
 * // prints:
 * // tick 0
 * // tick 1
 * // tick 2
 * ```
 */
export class ObservableSource<X> extends DynamicSource<X> {
  private readonly bufferSize: number;
  private readonly onOverflow: ObservableOverflow;
  private readonly batchSize: number;
  private droppedCount = 0;

  /**
   * @param factory - Makes each worker's Observable (or any `ObservableInput`:
   *   an array, a Promise, an async iterable). With one worker it is called
   *   once, with `(0, 1)`.
   * @param options - Buffer size, overflow policy, batch size; see
   *   {@link ObservableSourceOptions}.
   * @throws {@link sluice!BuildError | BuildError} if `factory` is not a function or an
   *   option is invalid.
   */
  constructor(
    private readonly factory: (workerIndex: number, workerCount: number) => ObservableInput<X>,
    options: ObservableSourceOptions = {},
  ) {
    super();
    if (typeof factory !== "function") throw new BuildError("ObservableSource factory must be a function");
    const { bufferSize = 10_000, onOverflow = "error", batchSize = 1000 } = options;
    this.bufferSize = positiveInteger("bufferSize", bufferSize);
    this.batchSize = positiveInteger("batchSize", batchSize);
    if (onOverflow !== "error" && onOverflow !== "drop") {
      throw new BuildError(`ObservableSource onOverflow must be "error" or "drop"; got ${JSON.stringify(onOverflow)}`);
    }
    this.onOverflow = onOverflow;
  }

  /**
   * How many values were dropped because the buffer was full (policy
   * `"drop"`), over every partition built in this thread.
   */
  get dropped(): number {
    return this.droppedCount;
  }

  /**
   * Call the factory and subscribe to its Observable.
   *
   * @param stepId - Full id of the input step, for error messages.
   * @param workerIndex - This worker's index, passed to the factory.
   * @param workerCount - How many workers run the flow, passed to the factory.
   * @returns This worker's partition.
   * @throws {@link sluice!StepError | StepError} if the factory throws or returns
   *   something that is not an `ObservableInput`.
   */
  build(stepId: string, workerIndex: number, workerCount: number): StatelessSourcePartition<X> {
    return new ObservablePartition<X>({
      stepId,
      workerIndex,
      workerCount,
      factory: this.factory,
      bufferSize: this.bufferSize,
      batchSize: this.batchSize,
      onOverflow: this.onOverflow,
      onDrop: () => {
        this.droppedCount++;
      },
    });
  }
}

/** @internal Check a positive integer option. */
function positiveInteger(name: string, value: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    throw new BuildError(`ObservableSource ${name} must be a positive integer; got ${String(value)}`);
  }
  return value;
}

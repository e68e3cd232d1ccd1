/**
 * `ObserverSink`: hand a flow's items to an RxJS Observer.
 *
 * @module
 */
import type { Observer } from "rxjs";
import { DynamicSink, StatelessSinkPartition } from "../../outputs/sink.js";
import { AbortExecution, BuildError } from "../../errors.js";

/**
 * Sends every item to an RxJS `Observer` (a `Subject`, a `Subscriber`, or a
 * plain `{ next, error, complete }` object; a function is taken as `next`):
 *
 * - `next(item)` for each item, in order, synchronously as each batch is
 *   written;
 * - `complete()` when the run ends cleanly (after the last item);
 * - `error(err)` when the run fails, with the error `runMain` rejects with
 *   (usually a {@link sluice!StepError | StepError}).
 *
 * If the run is stopped (an `AbortExecution` or the `signal` of `runMain`),
 * neither `complete` nor `error` is called. An observer whose `next` throws
 * fails the run, and then gets that failure through `error`.
 *
 * A dynamic sink: each worker has its own partition, which calls the
 * observer it was given. With several workers (worker threads), each thread
 * has its own copy of the observer, so this is a tool for `runMain` (one
 * worker in this thread): UIs, tests, and bridging into RxJS pipelines. For
 * an Observable of the results, see {@link toObservable}.
 *
 * @typeParam X - Item type.
 * @category Connectors
 * @example
 * ```ts
 * import { Subject } from "rxjs";
 *
 * const results = new Subject<number>();
 * results.subscribe({ next: (x) => console.log("got", x), complete: () => console.log("done") });
 * const flow = new Dataflow("squares");
 * flow.input("in", new TestingSource([1, 2, 3])).map("sq", (x) => x * x).output("out", new ObserverSink(results));
 * await runMain(flow);
 * // prints:
 * // got 1
 * // got 4
 * // got 9
 * // done
 * ```
 */
export class ObserverSink<X> extends DynamicSink<X> {
  private readonly observer: Partial<Observer<X>>;

  /**
   * @param observer - Receives the items, then `complete` or `error`. A
   *   function is used as `next`.
   * @throws {@link sluice!BuildError | BuildError} if `observer` is neither an object nor a function.
   */
  constructor(observer: Partial<Observer<X>> | ((item: X) => void)) {
    super();
    if (typeof observer === "function") this.observer = { next: observer };
    else if (typeof observer === "object" && observer !== null) this.observer = observer;
    else throw new BuildError("ObserverSink needs an Observer (an object with next/error/complete) or a function");
  }

  /**
   * Build this worker's partition.
   *
   * @param _stepId - Full id of the output step (unused).
   * @param _workerIndex - This worker's index (unused).
   * @param _workerCount - How many workers run the flow (unused).
   * @returns A partition calling the observer.
   */
  build(_stepId: string, _workerIndex: number, _workerCount: number): StatelessSinkPartition<X> {
    return new ObserverPartition(this.observer);
  }
}

/** @internal Calls an observer; `complete` or `error` at most once. */
class ObserverPartition<X> extends StatelessSinkPartition<X> {
  private finished = false;

  constructor(private readonly observer: Partial<Observer<X>>) {
    super();
  }

  writeBatch(items: X[]): void {
    const observer = this.observer;
    if (observer.next === undefined) return;
    for (let i = 0; i < items.length; i++) observer.next(items[i]);
  }

  override close(): void {
    if (this.finished) return;
    this.finished = true;
    this.observer.complete?.();
  }

  override abort(error: unknown): void {
    // A stopped or aborted run neither completes nor errors the observer (see `ObserverSink`).
    if (this.finished || error instanceof AbortExecution) return;
    this.finished = true;
    this.observer.error?.(error);
  }
}

/**
 * `toObservable`: a stream's items as an RxJS Observable.
 *
 * @module
 */
import { Subject, type Observable } from "rxjs";
import type { Stream } from "../../dataflow/stream.js";
import { BuildError, describeType } from "../../errors.js";
import { ObserverSink } from "./observerSink.js";

/** @internal Name of the output step added when no step id is given. */
const DEFAULT_STEP = "to_observable";

/**
 * Observe the items of a stream while its flow runs: adds an output step
 * (an {@link ObserverSink} feeding a `Subject`) and returns that Subject as
 * an Observable.
 *
 * The Observable is **hot** and replays nothing: a subscriber gets the items
 * written after it subscribed, so subscribe before running the flow to see
 * them all. It completes when the run ends cleanly and errors with the run's
 * error (usually a {@link sluice!StepError | StepError}) when it fails; a
 * subscriber arriving after that gets the `complete` or `error` at once. A
 * stopped run (`AbortExecution`, the `signal` of `runMain`) neither
 * completes nor errors it.
 *
 * Step id: `toObservable(stream)` names the step `to_observable` (then
 * `to_observable_2`, `to_observable_3`… if taken), in the stream's scope, so
 * the ids are the same every time the flow is built the same way. Pass
 * `toObservable(stepId, stream)` to choose it.
 *
 * A tool for one worker in this thread (`runMain`): with several workers,
 * each worker thread would have its own Observable.
 *
 * @typeParam X - Item type.
 * @param up - The stream to observe.
 * @returns A hot Observable of the stream's items.
 * @throws {@link sluice!BuildError | BuildError} if `up` is not a stream.
 * @category Connectors
 * @example
 * ```ts
 * import { lastValueFrom, toArray } from "rxjs";
 *
 * const flow = new Dataflow("squares");
 * const squares = flow.input("in", new TestingSource([1, 2, 3])).map("sq", (x) => x * x);
 * const all = lastValueFrom(toObservable(squares).pipe(toArray())); // subscribe first
 * await runMain(flow);
 * await all; // [1, 4, 9]
 * ```
 */
export function toObservable<X>(up: Stream<X>): Observable<X>;
/**
 * Like `toObservable(up)`, with the output step named `stepId`.
 *
 * @typeParam X - Item type.
 * @param stepId - Name of the output step added to the stream's flow.
 * @param up - The stream to observe.
 * @returns A hot Observable of the stream's items.
 * @throws {@link sluice!BuildError | BuildError} if `up` is not a stream or the step id
 *   is invalid or taken.
 * @example
 * ```ts
 * const results$ = toObservable("results", flow.input("in", new TestingSource(["a"])));
 * // adds the step "<flowId>.results"
 * ```
 */
export function toObservable<X>(stepId: string, up: Stream<X>): Observable<X>;
export function toObservable<X>(first: Stream<X> | string, second?: Stream<X>): Observable<X> {
  const named = typeof first === "string";
  const up = named ? second : first;
  if (!isStream(up)) {
    throw new BuildError(`toObservable needs a Stream; got ${describeType(up)}`);
  }
  const stepId = named ? first : freeStepId(up);
  const subject = new Subject<X>();
  up.output(stepId, new ObserverSink<X>(subject));
  return subject.asObservable();
}

/** @internal Whether `x` looks like a Stream (has `output` and a scope). */
function isStream<X>(x: unknown): x is Stream<X> {
  return (
    typeof x === "object" &&
    x !== null &&
    typeof (x as Stream<X>).output === "function" &&
    typeof (x as Stream<X>)._scope === "object"
  );
}

/** @internal `to_observable`, or the first `to_observable_<n>` (n >= 2) not taken in the stream's scope. */
function freeStepId(up: Stream<unknown>): string {
  const taken = new Set(up._scope.substeps.map((s) => s.name));
  if (!taken.has(DEFAULT_STEP)) return DEFAULT_STEP;
  let n = 2;
  while (taken.has(`${DEFAULT_STEP}_${n}`)) n++;
  return `${DEFAULT_STEP}_${n}`;
}

/**
 * {@link TestingSource}: a resumable source over an in-memory iterable, with
 * markers that end, abort or pause the input.
 *
 * @module
 */
import { systemClock, type RunClock, type RunContext } from "../clock.js";
import { AbortExecution } from "../errors.js";
import { FixedPartitionedSource, StatefulSourcePartition } from "../inputs/source.js";

/**
 * Marker made by {@link TestingSource.EOF}: ends the input where it stands.
 * A run resumed from a later snapshot reads on after it.
 *
 * @category Testing
 * @example
 * ```ts
 * new TestingSource([1, 2, TestingSource.EOF(), 3]); // a first run reads 1, 2
 * ```
 */
export class TestingSourceEof {
  /** Discriminant. */
  readonly kind = "eof";
}

/**
 * Marker made by {@link TestingSource.ABORT}: the first time a run reaches
 * it, the partition throws {@link AbortExecution}, like a crash. It then
 * remembers that it fired (on this object), so a run resumed in the same
 * process with the same `items` passes it.
 *
 * @category Testing
 * @example
 * ```ts
 * const abort = TestingSource.ABORT();
 * new TestingSource([1, 2, abort, 3]);
 * abort.fired; // false until a run reaches it
 * ```
 */
export class TestingSourceAbort {
  /** Discriminant. */
  readonly kind = "abort";
  /** Whether a run has reached this marker (it is skipped from then on). */
  fired = false;
}

/**
 * Marker made by {@link TestingSource.PAUSE}: ends the current batch and asks
 * the executor not to poll again for `ms` milliseconds.
 *
 * @category Testing
 * @example
 * ```ts
 * new TestingSource([1, TestingSource.PAUSE(seconds(0.1)), 2]); // 2 comes >= 100 ms after 1
 * ```
 */
export class TestingSourcePause {
  /** Discriminant. */
  readonly kind = "pause";
  /**
   * @param ms - How long to pause, in ms (finite, `>= 0`).
   * @throws RangeError if `ms` is negative or not finite.
   */
  constructor(readonly ms: number) {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`TestingSource.PAUSE ms must be a finite number >= 0; got ${String(ms)}`);
  }
}

/**
 * Any of the markers {@link TestingSource} understands.
 *
 * @category Testing
 */
export type TestingSourceMarker = TestingSourceEof | TestingSourceAbort | TestingSourcePause;

/**
 * A source that reads an iterable, for tests. One partition, `"iterable"`;
 * the resume state is the index in `items` (markers count) of the next
 * element not yet read, so resuming re-iterates `items` from the start and
 * skips that many elements.
 *
 * Each `nextBatch` returns up to `batchSize` items. A marker ends the batch
 * before it:
 * - `TestingSource.EOF()` is consumed and ends the input (`nextBatch`
 *   returns `null` from then on; at once if the batch before it is empty).
 * - `TestingSource.ABORT()`, the first time any run reaches it, is consumed
 *   and marked fired; the next `nextBatch` (at once if the batch before it is
 *   empty) throws {@link AbortExecution}. Fired markers are skipped.
 * - `TestingSource.PAUSE(ms)` is consumed; `nextAwake()` returns now + `ms`
 *   for the next poll.
 *
 * @typeParam X - Item type.
 * @category Testing
 * @example
 * ```ts
 * const out: number[] = [];
 * const flow = new Dataflow("t");
 * flow.input("in", new TestingSource([1, 2, 3])).map("double", (x) => x * 2).output("out", new TestingSink(out));
 * await runMain(flow);
 * out; // [2, 4, 6]
 * ```
 */
export class TestingSource<X> extends FixedPartitionedSource<X, number> {
  /**
   * Make an end-of-input marker.
   *
   * @returns A new marker.
   */
  static EOF(): TestingSourceEof {
    return new TestingSourceEof();
  }

  /**
   * Make an abort marker. Keep `items` (and so the marker) for the resumed
   * run, so it knows the marker already fired.
   *
   * @returns A new marker.
   */
  static ABORT(): TestingSourceAbort {
    return new TestingSourceAbort();
  }

  /**
   * Make a pause marker.
   *
   * @param ms - How long to pause, in ms.
   * @returns A new marker.
   * @throws RangeError if `ms` is negative or not finite.
   */
  static PAUSE(ms: number): TestingSourcePause {
    return new TestingSourcePause(ms);
  }

  /**
   * @param items - Items and markers, in order. Re-iterated on every build.
   * @param batchSize - Maximum items per batch (positive integer, default 1).
   * @throws RangeError if `batchSize` is not a positive integer.
   */
  constructor(
    private readonly items: Iterable<X | TestingSourceMarker>,
    private readonly batchSize = 1,
  ) {
    super();
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new RangeError(`TestingSource batchSize must be a positive integer; got ${String(batchSize)}`);
    }
  }

  /**
   * The single partition.
   *
   * @returns `["iterable"]`.
   */
  listParts(): string[] {
    return ["iterable"];
  }

  /**
   * Build the partition, skipping the first `resumeState` elements.
   *
   * @param _stepId - Full id of the input step.
   * @param forPart - Must be `"iterable"`.
   * @param resumeState - Index of the next element to read, or `undefined` for 0.
   * @param context - The run's context: `PAUSE` waits on its clock.
   * @returns The partition.
   * @throws RangeError if `forPart` is not `"iterable"` or `resumeState` is
   *   not a non-negative integer.
   */
  buildPart(
    _stepId: string,
    forPart: string,
    resumeState: number | undefined,
    context?: RunContext,
  ): StatefulSourcePartition<X, number> {
    if (forPart !== "iterable") {
      throw new RangeError(`TestingSource has one partition, "iterable"; got ${JSON.stringify(forPart)}`);
    }
    const start = resumeState ?? 0;
    if (!Number.isInteger(start) || start < 0) {
      throw new RangeError(`TestingSource resume state must be a non-negative integer; got ${String(resumeState)}`);
    }
    return new TestingSourcePartition<X>(this.items, this.batchSize, start, context?.clock ?? systemClock);
  }
}

/** @internal Whether `x` is one of the marker objects (primitives never are: checked first, cheaply). */
function isMarker(x: unknown): x is TestingSourceMarker {
  return (
    typeof x === "object" &&
    x !== null &&
    (x instanceof TestingSourceEof || x instanceof TestingSourceAbort || x instanceof TestingSourcePause)
  );
}

const ARRAY_ITERATOR = Array.prototype[Symbol.iterator];
/** @internal The end of the items. */
const DONE: unique symbol = Symbol("done");

/**
 * @internal The `"iterable"` partition of a {@link TestingSource}. A plain
 * array (with the built-in iterator) is read by index, which is what its
 * iterator would do, without an iterator result per item.
 */
class TestingSourcePartition<X> extends StatefulSourcePartition<X, number> {
  readonly #it: Iterator<X | TestingSourceMarker> | undefined;
  readonly #array: readonly (X | TestingSourceMarker)[] | undefined;
  #index = 0;
  #ended = false;
  #abortNext = false;
  #awake: Date | undefined;

  constructor(
    items: Iterable<X | TestingSourceMarker>,
    private readonly batchSize: number,
    start: number,
    private readonly clock: RunClock,
  ) {
    super();
    if (Array.isArray(items) && (items as unknown[])[Symbol.iterator] === ARRAY_ITERATOR) {
      this.#array = items as (X | TestingSourceMarker)[];
      this.#index = Math.min(start, this.#array.length);
    } else {
      this.#it = items[Symbol.iterator]();
      while (this.#index < start && !this.#it.next().done) this.#index++;
    }
  }

  /** The next element, or `DONE` at the end of the items. */
  #next(): X | TestingSourceMarker | typeof DONE {
    const array = this.#array;
    if (array !== undefined) return this.#index < array.length ? array[this.#index] : DONE;
    const r = this.#it!.next();
    return r.done ? DONE : r.value;
  }

  nextBatch(): X[] | null {
    this.#awake = undefined;
    if (this.#abortNext) {
      this.#abortNext = false;
      throw new AbortExecution("TestingSource reached an ABORT marker");
    }
    if (this.#ended) return null;
    let out: X[] = [];
    const array = this.#array;
    while (out.length < this.batchSize) {
      if (array !== undefined) {
        // Fast path: copy the run of plain items up to the batch size or the next marker.
        const start = this.#index;
        const end = Math.min(array.length, start + this.batchSize - out.length);
        let i = start;
        // Primitives are never markers: only objects need the class checks.
        for (; i < end; i++) {
          const x = array[i];
          if (typeof x === "object" && x !== null && isMarker(x)) break;
        }
        if (out.length === 0) out = array.slice(start, i) as X[];
        else for (let j = start; j < i; j++) out.push(array[j] as X);
        this.#index = i;
        if (out.length === this.batchSize) break;
      }
      const x = this.#next();
      if (x === DONE) {
        this.#ended = true;
        break;
      }
      this.#index++;
      if (!isMarker(x)) {
        out.push(x);
      } else if (x instanceof TestingSourceEof) {
        this.#ended = true;
        break;
      } else if (x instanceof TestingSourcePause) {
        this.#awake = new Date(this.clock.now() + x.ms);
        return out;
      } else if (!x.fired) {
        x.fired = true;
        if (out.length === 0) throw new AbortExecution("TestingSource reached an ABORT marker");
        this.#abortNext = true;
        return out;
      }
    }
    return out.length === 0 && this.#ended ? null : out;
  }

  override nextAwake(): Date | undefined {
    return this.#awake;
  }

  snapshot(): number {
    return this.#index;
  }
}

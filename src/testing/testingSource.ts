/**
 * {@link TestingSource}: a resumable source over an in-memory iterable, with
 * markers that end, abort or pause the input.
 *
 * @module
 */
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
 * new TestingSource([1, TestingSource.PAUSE(100), 2]); // 2 comes >= 100 ms after 1
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
   * @returns The partition.
   * @throws RangeError if `forPart` is not `"iterable"` or `resumeState` is
   *   not a non-negative integer.
   */
  buildPart(_stepId: string, forPart: string, resumeState: number | undefined): StatefulSourcePartition<X, number> {
    if (forPart !== "iterable") {
      throw new RangeError(`TestingSource has one partition, "iterable"; got ${JSON.stringify(forPart)}`);
    }
    const start = resumeState ?? 0;
    if (!Number.isInteger(start) || start < 0) {
      throw new RangeError(`TestingSource resume state must be a non-negative integer; got ${String(resumeState)}`);
    }
    return new TestingSourcePartition<X>(this.items, this.batchSize, start);
  }
}

/** @internal Whether `x` is one of the marker objects. */
function isMarker(x: unknown): x is TestingSourceMarker {
  return x instanceof TestingSourceEof || x instanceof TestingSourceAbort || x instanceof TestingSourcePause;
}

/** @internal The `"iterable"` partition of a {@link TestingSource}. */
class TestingSourcePartition<X> extends StatefulSourcePartition<X, number> {
  readonly #it: Iterator<X | TestingSourceMarker>;
  #index = 0;
  #ended = false;
  #abortNext = false;
  #awake: Date | undefined;

  constructor(
    items: Iterable<X | TestingSourceMarker>,
    private readonly batchSize: number,
    start: number,
  ) {
    super();
    this.#it = items[Symbol.iterator]();
    while (this.#index < start && !this.#it.next().done) this.#index++;
  }

  nextBatch(): X[] | null {
    this.#awake = undefined;
    if (this.#abortNext) {
      this.#abortNext = false;
      throw new AbortExecution("TestingSource reached an ABORT marker");
    }
    if (this.#ended) return null;
    const out: X[] = [];
    while (out.length < this.batchSize) {
      const r = this.#it.next();
      if (r.done) {
        this.#ended = true;
        break;
      }
      this.#index++;
      const x = r.value;
      if (!isMarker(x)) {
        out.push(x);
      } else if (x instanceof TestingSourceEof) {
        this.#ended = true;
        break;
      } else if (x instanceof TestingSourcePause) {
        this.#awake = new Date(Date.now() + x.ms);
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

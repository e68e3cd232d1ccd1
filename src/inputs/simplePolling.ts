/**
 * {@link SimplePollingSource}: call a user function at a regular interval.
 *
 * @module
 */
import { systemClock, type RunClock, type RunContext } from "../clock.js";
import { FixedPartitionedSource, StatefulSourcePartition } from "./source.js";

/**
 * Options of {@link SimplePollingSource}.
 *
 * @category Inputs
 * @example
 * ```ts
 * // With an interval of a minute: poll on every full minute (UTC),
 * // whenever the flow starts.
 * const options: SimplePollingOptions = { alignTo: new Date("2024-01-01T00:00:00Z") };
 * class Clock extends SimplePollingSource<string> {
 *   constructor() { super(minutes(1), options); }
 *   nextItem(): string { return new Date().toISOString(); }
 * }
 * ```
 */
export interface SimplePollingOptions {
  /**
   * Align polls to `alignTo + k * interval` for whole `k` (negative `k` too,
   * so it may be in the past or the future). Default: the first poll is at
   * once and later polls follow it.
   */
  alignTo?: Date;
}

/**
 * Thrown from {@link SimplePollingSource.nextItem} to poll again after
 * `timeoutMs` instead of the usual interval.
 *
 * @category Inputs
 * @example
 * ```ts
 * throw new SimplePollingSource.Retry(seconds(1)); // try again in 1 s
 * ```
 */
export class SimplePollingRetry extends Error {
  /** How long to wait before calling `nextItem` again, in ms. */
  readonly timeoutMs: number;

  /**
   * @param timeoutMs - Delay before the next poll, in ms (finite, `>= 0`).
   * @throws RangeError if `timeoutMs` is negative or not finite.
   */
  constructor(timeoutMs: number) {
    if (!Number.isFinite(timeoutMs) || timeoutMs < 0) {
      throw new RangeError(`SimplePollingSource.Retry timeout must be a finite number of ms >= 0; got ${String(timeoutMs)}`);
    }
    super(`retry polling in ${timeoutMs} ms`);
    this.name = "SimplePollingSource.Retry";
    this.timeoutMs = timeoutMs;
  }
}

/**
 * A source that calls {@link SimplePollingSource.nextItem} at a regular
 * interval and emits what it returns: polling an HTTP endpoint, a file's
 * modification time, a metrics API. Best for one item every few seconds to
 * hours; for throughput, write a partitioned source with batching instead.
 *
 * There is one partition, `"singleton"`, so only one worker polls. Polls
 * happen at `first + k * interval` with no drift: the next poll is one
 * interval after the previous planned poll, however long `nextItem` took
 * (after a long stall, missed polls run back to back). The first poll is at
 * once, or with `alignTo` at the next instant `alignTo + k * interval` at or
 * after the time the partition is built.
 *
 * An interval of `0` polls as often as the executor can: once per round of
 * its loop, between the other sources and steps, which it still runs (and it
 * lets the event loop handle I/O, timers and signals every few
 * milliseconds). Such a source keeps a CPU core busy while it has nothing to
 * return, and a run on a `VirtualClock` is never idle while it polls.
 *
 * `nextItem` returns an item to emit it, `undefined` to emit nothing this
 * time, or `null` to end the input. It may be async, but `nextBatch` awaits
 * it, so keep it short. Throw `new SimplePollingSource.Retry(ms)` to poll
 * again after `ms` rather than the interval (the schedule continues from that
 * retry). Any other error fails the run.
 *
 * Resume state is optional: override `snapshot()` and `resume(state)` to keep
 * a cursor (a last-seen id) across restarts. Without them the source is at
 * most once.
 *
 * @typeParam X - Item type.
 * @typeParam S - Resume state type (`undefined` if none).
 * @category Inputs
 * @example
 * ```ts
 * class StatusSource extends SimplePollingSource<string> {
 *   constructor() { super(seconds(10)); }
 *   async nextItem(): Promise<string | undefined> {
 *     const res = await fetch("https://example.com/status");
 *     if (!res.ok) throw new SimplePollingSource.Retry(seconds(1));
 *     return res.text();
 *   }
 * }
 * ```
 */
export abstract class SimplePollingSource<X, S = undefined> extends FixedPartitionedSource<X, S | undefined> {
  /**
   * The error class to throw from `nextItem` to poll again after `ms`
   * instead of the usual interval: `new SimplePollingSource.Retry(ms)`. It
   * extends `Error`; its `timeoutMs` property holds the delay. The
   * constructor throws a RangeError if `ms` is negative or not finite.
   *
   * @example
   * ```ts
   * async nextItem(): Promise<string | undefined> {
   *   const res = await fetch(url);
   *   if (res.status === 503) throw new SimplePollingSource.Retry(seconds(0.5));
   *   return res.text();
   * }
   * ```
   */
  static readonly Retry = SimplePollingRetry;

  /** @internal Interval between polls, in ms. */
  readonly #interval: number;
  /** @internal Alignment instant, if any. */
  readonly #alignTo: Date | undefined;

  /**
   * @param interval - Time between polls, in ms (`>= 0`; `0`: poll as
   *   often as the executor can).
   * @param options - `alignTo`: align polls to this instant (needs an
   *   interval `> 0`).
   * @throws RangeError if `interval` is negative or not finite, or
   *   `alignTo` is not a valid Date or is given with an interval of `0`.
   */
  constructor(interval: number, options: SimplePollingOptions = {}) {
    super();
    if (typeof interval !== "number" || !Number.isFinite(interval) || interval < 0) {
      throw new RangeError(`SimplePollingSource interval must be a finite number of ms >= 0; got ${String(interval)}`);
    }
    const { alignTo } = options;
    if (alignTo !== undefined && !(alignTo instanceof Date && Number.isFinite(alignTo.getTime()))) {
      throw new RangeError("SimplePollingSource `alignTo` must be a valid Date");
    }
    if (alignTo !== undefined && interval === 0) {
      throw new RangeError("SimplePollingSource `alignTo` needs an interval > 0: with 0 there is no instant to align to");
    }
    this.#interval = interval;
    this.#alignTo = alignTo === undefined ? undefined : new Date(alignTo.getTime());
  }

  /**
   * Poll once.
   *
   * @returns An item to emit, `undefined` to emit nothing this time, or
   *   `null` to end the input; or a Promise of one of these.
   * @throws {@link SimplePollingSource.Retry} to poll again sooner (or later)
   *   than the usual interval. Any other error fails the run.
   */
  abstract nextItem(): X | undefined | null | Promise<X | undefined | null>;

  /**
   * Resume state to store with the flow's snapshots. Default: `undefined`.
   *
   * @returns Plain data that `resume` understands.
   */
  snapshot(): S | undefined {
    return undefined;
  }

  /**
   * Restore from what {@link SimplePollingSource.snapshot} returned. Called
   * once, before the first poll, when the run resumes with a stored state.
   * Default: ignore it.
   *
   * @param _state - The stored state.
   */
  resume(_state: S): void {}

  /**
   * The single partition, `"singleton"`.
   *
   * @returns `["singleton"]`.
   */
  listParts(): string[] {
    return ["singleton"];
  }

  /**
   * Build the polling partition, calling `resume` first if there is state.
   *
   * @param _stepId - Full id of the input step.
   * @param forPart - Must be `"singleton"`.
   * @param resumeState - Stored state, or `undefined`.
   * @param context - The run's context: polls are placed on its clock.
   * @returns The partition.
   * @throws RangeError if `forPart` is not `"singleton"`.
   */
  buildPart(
    _stepId: string,
    forPart: string,
    resumeState: S | undefined,
    context?: RunContext,
  ): StatefulSourcePartition<X, S | undefined> {
    if (forPart !== "singleton") {
      throw new RangeError(`SimplePollingSource has one partition, "singleton"; got ${JSON.stringify(forPart)}`);
    }
    if (resumeState !== undefined) this.resume(resumeState);
    const clock = context?.clock ?? systemClock;
    return new SimplePollingPartition(this, this.#interval, clock, firstAwake(clock.now(), this.#interval, this.#alignTo));
  }
}

/** @internal The first poll time, in ms since the epoch. */
function firstAwake(now: number, interval: number, alignTo: Date | undefined): number {
  if (alignTo === undefined) return now;
  const since = (((now - alignTo.getTime()) % interval) + interval) % interval;
  return since === 0 ? now : now + (interval - since);
}

/** @internal The `"singleton"` partition of a {@link SimplePollingSource}. */
class SimplePollingPartition<X, S> extends StatefulSourcePartition<X, S | undefined> {
  #awake: number;

  constructor(
    private readonly source: SimplePollingSource<X, S>,
    private readonly interval: number,
    private readonly clock: RunClock,
    firstAwakeMs: number,
  ) {
    super();
    this.#awake = firstAwakeMs;
  }

  nextBatch(): X[] | null | Promise<X[] | null> {
    let item: ReturnType<SimplePollingSource<X, S>["nextItem"]>;
    try {
      item = this.source.nextItem();
    } catch (err) {
      return this.#onError(err);
    }
    if (item instanceof Promise) {
      return item.then(
        (x) => this.#onItem(x),
        (err: unknown) => this.#onError(err),
      );
    }
    return this.#onItem(item);
  }

  #onItem(item: X | undefined | null): X[] | null {
    this.#awake += this.interval;
    if (item === null) return null;
    return item === undefined ? [] : [item];
  }

  #onError(err: unknown): X[] {
    if (err instanceof SimplePollingRetry) {
      // With an interval of 0 the planned time stays where polling started: a retry counts from now.
      this.#awake = (this.interval === 0 ? this.clock.now() : this.#awake) + err.timeoutMs;
      return [];
    }
    throw err;
  }

  override nextAwake(): Date {
    return new Date(this.#awake);
  }

  snapshot(): S | undefined {
    return this.source.snapshot();
  }
}

/**
 * The per-key logics of `countAggregate`: a key's open count window.
 *
 * @module
 * @internal
 */
import type { RunClock } from "../../../clock.js";
import { StatefulBatchLogic, type LogicResult } from "../../stateful/logic.js";
import { RETAIN_NOTHING } from "../../stateful/result.js";
import type { Aggregation } from "../aggregation.js";
import { copy } from "./copy.js";

/**
 * @internal A key's open window, its snapshot: the accumulator, how many
 * items it holds (at least one) and the system time (ms) of its first item.
 */
export interface CountWindowState<A> {
  readonly acc: A;
  readonly n: number;
  readonly first: number;
}

/**
 * @internal Folds a key's values into its open window and emits the
 * accumulator every `count` items and at EOF. A key holds state only while
 * a window is open: emitting the window discards it.
 */
export class CountAggregateLogic<V, A> extends StatefulBatchLogic<V, A, CountWindowState<A>> {
  protected acc: A | undefined;
  protected n: number;
  protected first: number;

  constructor(
    private readonly aggregation: Aggregation<V, A, unknown>,
    private readonly count: number,
    protected readonly clock: RunClock,
    resume: CountWindowState<A> | undefined,
  ) {
    super();
    this.acc = resume?.acc;
    this.n = resume?.n ?? 0;
    this.first = resume?.first ?? 0;
  }

  onBatch(values: V[]): LogicResult<A> {
    let out: A[] | undefined;
    for (let i = 0; i < values.length; i++) {
      if (this.n === 0) {
        this.acc = this.aggregation.initial();
        this.first = this.clock.now();
      }
      this.acc = this.aggregation.update(values[i], this.acc as A);
      if (++this.n === this.count) (out ??= []).push(this.take());
    }
    if (this.n === 0) return [out ?? [], StatefulBatchLogic.DISCARD];
    return out === undefined ? RETAIN_NOTHING : [out, StatefulBatchLogic.RETAIN];
  }

  override onEof(): LogicResult<A> {
    return [this.n === 0 ? [] : [this.take()], StatefulBatchLogic.DISCARD];
  }

  snapshot(): CountWindowState<A> {
    return { acc: copy(this.acc as A), n: this.n, first: this.first };
  }

  /** The window's accumulator; the key has no window left. */
  protected take(): A {
    const acc = this.acc as A;
    this.acc = undefined;
    this.n = 0;
    return acc;
  }
}

/**
 * @internal {@link CountAggregateLogic} whose window is also emitted
 * `timeout` ms (system time) after its first item. Only a key with an open
 * window has a timer.
 */
export class TimedCountAggregateLogic<V, A> extends CountAggregateLogic<V, A> {
  constructor(aggregation: Aggregation<V, A, unknown>, count: number, private readonly timeout: number, clock: RunClock, resume: CountWindowState<A> | undefined) {
    super(aggregation, count, clock, resume);
  }

  override onBatch(values: V[]): LogicResult<A> {
    // A window whose time is up is emitted before new values, even if its timer has not fired yet.
    if (this.n === 0 || this.clock.now() < this.first + this.timeout) return super.onBatch(values);
    const expired = this.take();
    const [rest, discard] = super.onBatch(values);
    return [[expired, ...rest], discard];
  }

  override onNotify(): LogicResult<A> {
    return this.onEof();
  }

  override notifyAt(): Date | undefined {
    return this.n === 0 ? undefined : new Date(this.first + this.timeout);
  }
}

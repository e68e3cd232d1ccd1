/**
 * The state machines behind every stateful operator.
 *
 * @module
 */
import type { RunContext } from "../../clock.js";

/**
 * What a logic method returns: the values to emit, and whether to discard
 * the key's state afterwards (`StatefulBatchLogic.DISCARD`) or keep it
 * (`RETAIN`).
 *
 * @typeParam W - Emitted value type.
 * @category Stateful
 */
export type LogicResult<W> = readonly [Iterable<W>, boolean];

/**
 * Per-key state machine of `statefulBatch`, the lowest-level stateful
 * operator. Sluice builds one per key with the step's builder (with the
 * key's resume state, or `undefined` for a new key) and calls it:
 *
 * 1. `onBatch(values)` with the values that arrived for the key (in arrival
 *    order; keys of one batch in sorted order);
 * 2. `onNotify()` once the instant returned by `notifyAt()` has passed
 *    (asked again after every call; fires even when no input arrives);
 * 3. `onEof()` when every input upstream has ended (keys in sorted order);
 * 4. `snapshot()` at the close of every epoch in which the key was touched.
 *
 * Each call returns `[valuesToEmit, discard]`. After `DISCARD` the logic is
 * dropped with its timer; the next value for the key builds a fresh one.
 *
 * @typeParam V - Input value type.
 * @typeParam W - Emitted value type.
 * @typeParam S - Snapshot type (plain data; see `StateSerde`).
 * @category Stateful
 * @example
 * ```ts
 * class SumLogic extends StatefulBatchLogic<number, number, number> {
 *   constructor(private sum = 0) { super(); }
 *   onBatch(values: number[]) {
 *     for (const v of values) this.sum += v;
 *     return [[this.sum], StatefulBatchLogic.RETAIN] as const;
 *   }
 *   snapshot(): number { return this.sum; }
 * }
 * keyed.statefulBatch("sum", SumLogic); // built with new SumLogic(resumeState, context)
 * // ["a", 1], ["a", 2] in one batch emit ["a", 3]
 * ```
 */
export abstract class StatefulBatchLogic<V, W, S> {
  /** Keep the state after this call. */
  static readonly RETAIN = false;
  /** Drop the state (and its timer) after this call. */
  static readonly DISCARD = true;

  /**
   * Called with the values that arrived for this key.
   *
   * @param values - In arrival order.
   * @returns Values to emit and the discard flag.
   */
  abstract onBatch(values: V[]): LogicResult<W>;

  /**
   * Called once the instant from `notifyAt()` has passed.
   *
   * @returns Values to emit and the discard flag (default: nothing, retain).
   */
  onNotify(): LogicResult<W> {
    return [[], false];
  }

  /**
   * Called when every input upstream has ended.
   *
   * @returns Values to emit and the discard flag (default: nothing, retain).
   */
  onEof(): LogicResult<W> {
    return [[], false];
  }

  /**
   * When to call `onNotify`; asked after every call. `undefined` for never.
   *
   * @returns An instant, or `undefined`.
   */
  notifyAt(): Date | undefined {
    return undefined;
  }

  /**
   * The state to resume from: plain data, not shared with the live logic.
   *
   * @returns The snapshot.
   */
  abstract snapshot(): S;
}

/**
 * Per-key state machine of `stateful`: like {@link StatefulBatchLogic} but
 * called once per value with `onItem`. A `DISCARD` in the middle of a batch
 * drops the state; the next value of the batch starts from a fresh logic.
 *
 * @typeParam V - Input value type.
 * @typeParam W - Emitted value type.
 * @typeParam S - Snapshot type.
 * @category Stateful
 * @example
 * ```ts
 * class SessionCount extends StatefulLogic<string, number, number> {
 *   constructor(private n = 0) { super(); }
 *   onItem(event: string) {
 *     this.n++;
 *     return event === "logout"
 *       ? ([[this.n], StatefulLogic.DISCARD] as const)
 *       : ([[], StatefulLogic.RETAIN] as const);
 *   }
 *   snapshot(): number { return this.n; }
 * }
 * keyed.stateful("sessions", SessionCount); // built with new SessionCount(resumeState, context)
 * ```
 */
export abstract class StatefulLogic<V, W, S> {
  /** Keep the state after this call. */
  static readonly RETAIN = false;
  /** Drop the state (and its timer) after this call. */
  static readonly DISCARD = true;

  /**
   * Called with each value of the key, in arrival order.
   *
   * @param value - The value.
   * @returns Values to emit and the discard flag.
   */
  abstract onItem(value: V): LogicResult<W>;

  /**
   * Called once the instant from `notifyAt()` has passed.
   *
   * @returns Values to emit and the discard flag (default: nothing, retain).
   */
  onNotify(): LogicResult<W> {
    return [[], false];
  }

  /**
   * Called when every input upstream has ended.
   *
   * @returns Values to emit and the discard flag (default: nothing, retain).
   */
  onEof(): LogicResult<W> {
    return [[], false];
  }

  /**
   * When to call `onNotify`; asked after every call. `undefined` for never.
   *
   * @returns An instant, or `undefined`.
   */
  notifyAt(): Date | undefined {
    return undefined;
  }

  /**
   * The state to resume from.
   *
   * @returns The snapshot.
   */
  abstract snapshot(): S;
}

/**
 * What `statefulBatch` builds a key's logic with: a function
 * `(resumeState, context) => logic`, or the logic class itself, whose
 * constructor then takes `(resumeState, context)` (`undefined` for a new
 * key; `context` is the run's {@link RunContext}).
 *
 * Pass the class when its constructor takes the snapshot: TypeScript then
 * infers the state type from the class. In an arrow function, annotate the
 * parameter (`(resume: number | undefined) => new SumLogic(resume ?? 0)`):
 * TypeScript types a callback's parameters before it looks at what the
 * callback returns, so it cannot learn the state type from the logic the
 * arrow function returns, and an unannotated `resume` is `unknown`.
 *
 * @typeParam V - Input value type.
 * @typeParam W - Emitted value type.
 * @typeParam S - Snapshot type.
 * @category Stateful
 */
export type StatefulBatchBuilder<V, W, S> =
  | ((resume: S | undefined, context: RunContext) => StatefulBatchLogic<V, W, S>)
  | (new (resume: S | undefined, context: RunContext) => StatefulBatchLogic<V, W, S>);

/**
 * What `stateful` builds a key's logic with: a function
 * `(resumeState, context) => logic`, or the logic class itself, whose
 * constructor then takes `(resumeState, context)`. As for
 * {@link StatefulBatchBuilder}, passing the class lets TypeScript infer the
 * state type; an arrow function needs its parameter annotated.
 *
 * @typeParam V - Input value type.
 * @typeParam W - Emitted value type.
 * @typeParam S - Snapshot type.
 * @category Stateful
 */
export type StatefulBuilder<V, W, S> =
  | ((resume: S | undefined, context: RunContext) => StatefulLogic<V, W, S>)
  | (new (resume: S | undefined, context: RunContext) => StatefulLogic<V, W, S>);

/**
 * {@link WindowLogic}: the state machine of one window, for `win.window`.
 *
 * @module
 */

/**
 * The state of **one window of one key**, for {@link window}. The operator
 * builds one per window with `builder(resumeState)` (`undefined` for a new
 * window) and calls:
 *
 * 1. `onValue(value)` for each value of the window (in timestamp order when
 *    the operator is `ordered`, else in arrival order);
 * 2. `onMerge(original)` when another window merges into this one (session
 *    windows only); `original` is dropped afterwards;
 * 3. `onClose()` when the watermark passes the window's end (or at EOF);
 * 4. `snapshot()` at epoch close, while the window is open.
 *
 * Each of the first three returns values to emit on `down` as
 * `[key, [windowId, value]]`.
 *
 * @typeParam V - Input value type.
 * @typeParam W - Emitted value type.
 * @typeParam S - Snapshot type: plain data (see `StateSerde`).
 * @category Windowing
 * @example
 * ```ts
 * class SumLogic extends win.WindowLogic<number, number, number> {
 *   constructor(private sum = 0) { super(); }
 *   onValue(v: number) { this.sum += v; return []; }
 *   onMerge(original: SumLogic) { this.sum += original.sum; return []; }
 *   onClose() { return [this.sum]; }
 *   snapshot() { return this.sum; }
 * }
 * win.window("sum", keyed, clock, windower, SumLogic); // built with new SumLogic(resumeState)
 * // values 1, 2 in window 0 of key "a": down gets ["a", [0, 3]] when it closes
 * ```
 */
export abstract class WindowLogic<V, W, S> {
  /**
   * Called with each value that falls in this window.
   *
   * @param value - The value.
   * @returns Values to emit now.
   */
  abstract onValue(value: V): Iterable<W>;

  /**
   * Called when window `original` merges into this one; take over its state.
   *
   * @param original - The window being merged away (same logic class).
   * @returns Values to emit now.
   */
  abstract onMerge(original: this): Iterable<W>;

  /**
   * Called once when the window closes; the logic is dropped afterwards.
   *
   * @returns Values to emit (usually the window's result).
   */
  abstract onClose(): Iterable<W>;

  /**
   * The state to resume this window from: plain data, not shared with the
   * live logic.
   *
   * @returns The snapshot.
   */
  abstract snapshot(): S;
}

/**
 * What `win.window` builds a window's logic with: a function
 * `(resumeState) => logic` (`undefined` for a new window), or the logic
 * class itself, whose constructor then takes the resume state. Passing the
 * class lets TypeScript infer the state type; an arrow function needs its
 * parameter annotated (`(resume: number | undefined) => new SumLogic(resume ?? 0)`),
 * since TypeScript types a callback's parameters before it sees what the
 * callback returns.
 *
 * @typeParam V - Input value type.
 * @typeParam W - Emitted value type.
 * @typeParam S - Snapshot type.
 * @category Windowing
 */
export type WindowLogicBuilder<V, W, S> = ((resume: S | undefined) => WindowLogic<V, W, S>) | (new (resume: S | undefined) => WindowLogic<V, W, S>);

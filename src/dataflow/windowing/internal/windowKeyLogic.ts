/**
 * The keyed state of a window step: a key's clock, windower, open windows
 * and (for ordered windows) the values waiting for the watermark.
 *
 * @module
 * @internal
 */
import { describeType } from "../../../errors.js";
import { StatefulBatchLogic, type LogicResult } from "../../stateful/logic.js";
import { checkIterable } from "../../stateful/result.js";
import type { Clock } from "../clock.js";
import type { RunClock } from "../../../clock.js";
import type { Windower } from "../windower.js";
import type { WindowLogic } from "../windowLogic.js";
import type { ClockLogic } from "./clockLogic.js";
import type { WindowerLogic } from "./windowerLogic.js";
import type { LatePolicy } from "../latePolicy.js";
import { DOWN, LATE, META, type WindowEvent } from "./events.js";
import { NOTIFY_AT_MS } from "../../stateful/builtinLogic.js";
import { TimeQueue } from "./timeQueue.js";

/** @internal Snapshot of a key of a window step. */
export interface WindowKeyState {
  readonly clock: unknown;
  readonly windower: unknown;
  /** Window id to the window logic's snapshot. */
  readonly logics: Map<number, unknown>;
  /** `[timestamp, value]` not yet applied (ordered windows), by timestamp. */
  readonly queue: (readonly [number, unknown])[];
}

/** @internal What a window step is made of. */
export interface WindowConfig<V, W, S> {
  readonly clock: Clock<V>;
  readonly windower: Windower;
  readonly builder: (resume: S | undefined) => WindowLogic<V, W, S>;
  readonly ordered: boolean;
  readonly latePolicy: LatePolicy;
}

/**
 * @internal Per key: timestamps each value, routes late ones to `late`,
 * queues (ordered) or applies on-time ones to their windows, applies merges,
 * and closes windows as the watermark passes them (on values, timers, EOF).
 */
export class WindowKeyLogic<V, W, S> extends StatefulBatchLogic<V, WindowEvent, WindowKeyState> {
  private readonly clock: ClockLogic<V, unknown>;
  private readonly windower: WindowerLogic<unknown>;
  private readonly logics = new Map<number, WindowLogic<V, W, S>>();
  /** Values waiting for the watermark, by timestamp. */
  private readonly queue: TimeQueue<V>;

  constructor(
    private readonly config: WindowConfig<V, W, S>,
    resume: WindowKeyState | undefined,
    runClock: RunClock,
  ) {
    super();
    this.clock = config.clock.build(resume?.clock, runClock);
    this.windower = config.windower.build(resume?.windower);
    for (const [id, state] of resume?.logics ?? []) this.logics.set(id, this.build(state as S));
    this.queue = new TimeQueue(resume?.queue as (readonly [number, V])[] | undefined);
  }

  onBatch(values: V[]): LogicResult<WindowEvent> {
    const out: WindowEvent[] = [];
    this.clock.beforeBatch();
    for (let i = 0; i < values.length; i++) {
      const value = values[i];
      const ts = this.clock.onItem(value);
      const watermark = this.clock.watermark();
      if (ts < watermark) {
        this.late(ts, value, out);
      } else if (this.config.ordered) {
        this.queue.push(ts, value);
      } else {
        this.insert(ts, value, out);
      }
      this.advance(watermark, out);
    }
    return [out, this.isEmpty()];
  }

  override onNotify(): LogicResult<WindowEvent> {
    const out: WindowEvent[] = [];
    this.advance(this.clock.onNotify(), out);
    return [out, this.isEmpty()];
  }

  override onEof(): LogicResult<WindowEvent> {
    const out: WindowEvent[] = [];
    this.advance(this.clock.onEof(), out);
    return [out, this.isEmpty()];
  }

  /** When the next window closes or the next queued value is due (system time, epoch ms). */
  [NOTIFY_AT_MS](): number {
    let next = this.windower.nextClose() ?? Infinity;
    next = Math.min(next, this.queue.nextTs());
    return Number.isFinite(next) ? this.clock.toSystem(next) : Infinity;
  }

  snapshot(): WindowKeyState {
    const logics = new Map<number, unknown>();
    for (const [id, logic] of this.logics) logics.set(id, logic.snapshot());
    return { clock: this.clock.snapshot(), windower: this.windower.snapshot(), logics, queue: this.queue.snapshot() };
  }

  /**
   * No window open and no value queued: the key is dropped (no husk of
   * closed keys stays in memory or in snapshots). Its watermark goes with
   * it: a later value starts the key afresh.
   */
  private isEmpty(): boolean {
    return this.queue.isEmpty() && this.windower.isEmpty();
  }

  /** Apply queued values the watermark has passed, in timestamp order, then close windows. */
  private advance(watermark: number, out: WindowEvent[]): void {
    const due = this.queue.takeUntil(watermark);
    if (due !== undefined) {
      for (const [ts, value] of due) {
        // Windows ending before this value close before it is applied: event-time order.
        this.close(ts, out);
        this.insert(ts, value, out);
      }
    }
    this.close(watermark, out);
  }

  private insert(ts: number, value: V, out: WindowEvent[]): void {
    for (const id of this.windower.openFor(ts)) {
      let logic = this.logics.get(id);
      if (logic === undefined) {
        logic = this.build(undefined);
        this.logics.set(id, logic);
      }
      emit(out, id, logic.onValue(value), "onValue");
    }
    for (const [from, into] of this.windower.merged()) {
      const original = this.logics.get(from);
      const target = this.logics.get(into);
      this.logics.delete(from);
      if (original === undefined) continue;
      if (target === undefined) this.logics.set(into, original);
      else emit(out, into, target.onMerge(original), "onMerge");
    }
  }

  /** A late value, by the late policy. */
  private late(ts: number, value: V, out: WindowEvent[]): void {
    const policy = this.config.latePolicy;
    if (policy === "drop") return;
    if (policy === "placeInOldestWindow") {
      const id = this.windower.oldestOpen();
      const logic = id === undefined ? undefined : this.logics.get(id);
      if (logic !== undefined) {
        emit(out, id!, logic.onValue(value), "onValue");
        return;
      }
    }
    for (const id of this.windower.lateFor(ts)) {
      if (policy === "stream") {
        out.push([LATE, [id, value]]);
        continue;
      }
      // A window of its own, closed at once.
      const logic = this.build(undefined);
      emit(out, id, logic.onValue(value), "onValue");
      emit(out, id, logic.onClose(), "onClose");
    }
  }

  private close(watermark: number, out: WindowEvent[]): void {
    for (const [id, meta] of this.windower.closeFor(watermark)) {
      const logic = this.logics.get(id);
      if (logic !== undefined) {
        this.logics.delete(id);
        emit(out, id, logic.onClose(), "onClose");
      }
      out.push([META, [id, meta]]);
    }
  }

  private build(resume: S | undefined): WindowLogic<V, W, S> {
    const logic = this.config.builder(resume);
    if (logic === null || typeof logic !== "object" || typeof (logic as WindowLogic<V, W, S>).onValue !== "function") {
      throw new TypeError(`window builder must return a WindowLogic; got ${describeType(logic)}`);
    }
    return logic;
  }
}

function emit(out: WindowEvent[], id: number, values: Iterable<unknown>, method: string): void {
  if (Array.isArray(values)) {
    for (let i = 0; i < values.length; i++) out.push([DOWN, [id, values[i]]]);
    return;
  }
  for (const w of checkIterable(values, `\`${method}\` must return an iterable of values`)) out.push([DOWN, [id, w]]);
}

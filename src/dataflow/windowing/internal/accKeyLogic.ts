/**
 * The keyed state of the accumulating window operators (`aggregateWindow`,
 * `foldWindow` and the operators made of it): per key, a clock and the
 * accumulators of its open windows, held directly (no logic object per
 * window, no windower object), with panes for sliding aggregations.
 *
 * @module
 * @internal
 */
import { StatefulBatchLogic, type LogicResult } from "../../stateful/logic.js";
import { NOTIFY_AT_MS, ON_BATCH_INTO } from "../../stateful/builtinLogic.js";
import type { RunClock } from "../../../clock.js";
import type { Clock } from "../clock.js";
import type { ClockLogic } from "./clockLogic.js";
import type { WindowShape } from "./windowerLogic.js";
import type { LatePolicy } from "../latePolicy.js";
import { LATE_SESSION_ID } from "./sessionLogic.js";
import { CLOSE, DOWN, LATE, META, type WindowEvent } from "./events.js";
import { copy } from "./copy.js";
import { TimeQueue } from "./timeQueue.js";

/** @internal What an accumulating window step is made of. */
export interface AccConfig<V, A> {
  readonly clock: Clock<V>;
  readonly shape: WindowShape;
  /** Apply values in timestamp order once the watermark passes them (else as they arrive). */
  readonly ordered: boolean;
  readonly latePolicy: LatePolicy;
  /**
   * Whether `combine` may join any two adjacent accumulators (an
   * aggregation's): sliding windows are then computed from panes. Else
   * (`foldWindow`, whose merger is for sessions) each value is folded into
   * each of its windows.
   */
  readonly panes: boolean;
  readonly initial: () => A;
  readonly update: (value: V, acc: A) => A;
  /** Joins an earlier and a later accumulator (panes, merging sessions); must not mutate them. */
  readonly combine: (a: A, b: A) => A;
  /** What a closed window emits for `acc` (`undefined`: nothing); without it, the accumulator itself. */
  readonly output: ((key: string, acc: A) => unknown) | undefined;
}

/** @internal A `[key, event]` item of the step's output. */
type Emitted = readonly [string, WindowEvent];

/** The events of `[key, event]` items (the public methods return events; the runtime adds keys). */
function eventsOf(items: readonly Emitted[]): WindowEvent[] {
  return items.map((item) => item[1]);
}

/** @internal An open session of a key. */
interface SessionAcc<A> {
  id: number;
  open: number;
  close: number;
  merged: number[];
  acc: A;
}

/**
 * @internal Snapshot of a key. Fixed windows: `slots` are `[id, acc]` by id
 * (panes, or windows when not computed from panes), `extras` the late values
 * placed in one window only (sliding panes), `closed` the last window closed
 * (`null`: none yet). Sessions: `sessions`, `nextId`.
 */
export interface AccKeyState {
  readonly clock: unknown;
  readonly closed: number | null;
  readonly slots: readonly (readonly [number, unknown])[];
  readonly extras: readonly (readonly [number, unknown])[];
  readonly nextId: number;
  readonly sessions: readonly { readonly id: number; readonly open: number; readonly close: number; readonly merged: readonly number[]; readonly acc: unknown }[];
  /** `[timestamp, value]` not yet applied (ordered), by timestamp. */
  readonly queue: readonly (readonly [number, unknown])[];
}

/**
 * @internal Per key: timestamps each value, applies the late policy to late
 * ones, folds on-time ones into their pane, window or session (at once, or
 * in timestamp order once the watermark passes them), and emits each window
 * when the watermark passes its end (on values, timers, EOF). A key with no
 * window open and nothing queued is dropped.
 *
 * Fixed windows: slot `j` covers `[alignTo + j·P, alignTo + (j+1)·P)`. With
 * panes, `P = gcd(length, offset)` and window `i` is the `m = length / P`
 * slots from `i·k` (`k = offset / P`), combined in time order when it
 * closes; without, a slot is a window (`P = offset`, `k = m = 1` in the slot
 * arithmetic, values folded into each window). Tumbling windows are both.
 */
export class AccKeyLogic<V, A> extends StatefulBatchLogic<V, WindowEvent, AccKeyState> {
  private readonly clock: ClockLogic<V, unknown>;
  /**
   * Fixed windows: `[id, acc, id, acc, …]`, slot ids ascending, in one array
   * (one object less per key than two arrays; a value touches it).
   */
  private slots: unknown[] = [];
  /** Late values placed in one window only (panes with `m > k`): window ids and accumulators. */
  private extraIds: number[] = [];
  private extraAccs: A[] = [];
  /** Fixed windows: the last window closed. */
  private closed = -Infinity;
  private nextId = 0;
  private sessions: SessionAcc<A>[] = [];
  /** Values waiting for the watermark (ordered); made when the first one waits, so most keys have none. */
  private queue: TimeQueue<V> | undefined;
  /** Fixed windows: slot length, windows' offset and length in slots, whether slots are panes. */
  private readonly slotMs: number = 0;
  private readonly k: number = 1;
  private readonly m: number = 1;
  private readonly byPane: boolean = false;

  constructor(
    private readonly config: AccConfig<V, A>,
    private readonly key: string,
    resume: AccKeyState | undefined,
    runClock: RunClock,
  ) {
    super();
    const shape = config.shape;
    if (shape.kind === "fixed") {
      const { length, offset } = shape;
      const pane = config.panes && offset < length ? gcd(length, offset) : 0;
      if (pane > 0) {
        this.byPane = true;
        this.slotMs = pane;
        this.k = offset / pane;
        this.m = length / pane;
      } else {
        this.slotMs = offset;
      }
    }
    this.clock = config.clock.build(resume?.clock, runClock);
    if (resume !== undefined) this.restore(isLegacy(resume) ? fromLegacy(resume, config) : resume);
  }

  onBatch(values: V[]): LogicResult<WindowEvent> {
    const out: Emitted[] = [];
    const discard = this[ON_BATCH_INTO](values, out);
    return [eventsOf(out), discard];
  }

  /** `onBatch`, its `[key, event]` items pushed into the step's output. */
  [ON_BATCH_INTO](values: V[], out: Emitted[], now?: number): boolean {
    const clock = this.clock;
    clock.beforeBatch(now);
    for (let i = 0; i < values.length; i++) {
      const value = values[i];
      const ts = clock.onItem(value);
      const watermark = clock.watermark();
      if (ts < watermark) {
        this.late(ts, value, out);
      } else if (!this.config.ordered || (ts <= watermark && this.queue === undefined)) {
        // Unordered, or ordered and already passed by the watermark with nothing queued before it:
        // windows ending before it close first (event-time order), then it is applied.
        if (this.config.ordered) this.close(ts, out);
        this.insert(ts, value);
      } else {
        (this.queue ??= new TimeQueue()).push(ts, value);
      }
      this.advance(watermark, out);
    }
    return this.isEmpty();
  }

  override onNotify(): LogicResult<WindowEvent> {
    const out: Emitted[] = [];
    this.advance(this.clock.onNotify(), out);
    return [eventsOf(out), this.isEmpty()];
  }

  override onEof(): LogicResult<WindowEvent> {
    const out: Emitted[] = [];
    this.advance(this.clock.onEof(), out);
    return [eventsOf(out), this.isEmpty()];
  }

  /** When the next window closes or the next queued value is due (system time, epoch ms). */
  [NOTIFY_AT_MS](): number {
    let next = this.nextClose();
    if (this.queue !== undefined) next = Math.min(next, this.queue.nextTs());
    return Number.isFinite(next) ? this.clock.toSystem(next) : Infinity;
  }

  snapshot(): AccKeyState {
    const slots: (readonly [number, unknown])[] = [];
    for (let i = 0; i < this.slots.length; i += 2) slots.push([this.slots[i] as number, copy(this.slots[i + 1])]);
    const extras: (readonly [number, unknown])[] = [];
    for (let i = 0; i < this.extraIds.length; i++) extras.push([this.extraIds[i], copy(this.extraAccs[i])]);
    return {
      clock: this.clock.snapshot(),
      closed: this.closed === -Infinity ? null : this.closed,
      slots,
      extras,
      nextId: this.nextId,
      sessions: this.sessions.map((s) => ({ id: s.id, open: s.open, close: s.close, merged: [...s.merged], acc: copy(s.acc) })),
      queue: this.queue === undefined ? [] : this.queue.snapshot(),
    };
  }

  /** No window open and nothing queued: the key is dropped, watermark and session numbering with it. */
  private isEmpty(): boolean {
    return (this.config.shape.kind === "fixed" ? this.slots.length === 0 : this.sessions.length === 0) && this.queue === undefined;
  }

  private restore(resume: AccKeyState): void {
    this.closed = resume.closed ?? -Infinity;
    for (const [id, acc] of resume.slots) {
      this.slots.push(id, acc);
    }
    for (const [id, acc] of resume.extras) {
      this.extraIds.push(id);
      this.extraAccs.push(acc as A);
    }
    this.nextId = resume.nextId;
    this.sessions = resume.sessions.map((s) => ({ id: s.id, open: s.open, close: s.close, merged: [...s.merged], acc: s.acc as A }));
    if (resume.queue.length > 0) this.queue = new TimeQueue(resume.queue as (readonly [number, V])[]);
  }

  // --- Time ---------------------------------------------------------------

  /** Apply queued values the watermark has passed, in timestamp order, then close windows. */
  private advance(watermark: number, out: Emitted[]): void {
    const due = this.queue?.takeUntil(watermark);
    if (due !== undefined) {
      if (this.queue!.isEmpty()) this.queue = undefined;
      for (const [ts, value] of due) {
        // Windows ending before the value close before it is applied: event-time order.
        this.close(ts, out);
        this.insert(ts, value);
      }
    }
    this.close(watermark, out);
  }

  /** The watermark at which the next window closes, or `Infinity`. */
  private nextClose(): number {
    const shape = this.config.shape;
    if (shape.kind === "session") {
      const sessions = this.sessions;
      if (sessions.length === 0) return Infinity;
      let close = Infinity;
      for (let i = 0; i < sessions.length; i++) if (sessions[i].close < close) close = sessions[i].close;
      // The first watermark (ms resolution) past a session's last item + gap.
      return close + shape.gap + 1;
    }
    return this.slots.length === 0 ? Infinity : this.endOf(this.oldestWindow());
  }

  // --- Fixed windows --------------------------------------------------------

  private openOf(window: number): number {
    const shape = this.config.shape as Extract<WindowShape, { kind: "fixed" }>;
    return shape.alignTo + window * shape.offset;
  }

  private endOf(window: number): number {
    const shape = this.config.shape as Extract<WindowShape, { kind: "fixed" }>;
    return shape.alignTo + window * shape.offset + shape.length;
  }

  /** The oldest window still open (some slot is in it); slots must not be empty. */
  private oldestWindow(): number {
    if (!this.byPane) return this.slots[0] as number;
    // The first window holding the first pane, unless that one has closed.
    // `+ 0`: Math.ceil of a small negative fraction is -0, which is not the window id 0.
    const first = Math.ceil(((this.slots[0] as number) - this.m + 1) / this.k) + 0;
    return first > this.closed ? first : this.closed + 1;
  }

  /** The ids of the windows holding `ts`. */
  private windowsOf(ts: number): [first: number, last: number] {
    const shape = this.config.shape as Extract<WindowShape, { kind: "fixed" }>;
    return [Math.floor((ts - shape.alignTo - shape.length) / shape.offset) + 1, Math.floor((ts - shape.alignTo) / shape.offset)];
  }

  /** The index in `slots` of slot `id`'s accumulator, made with `initial()` if new. */
  private slot(id: number): number {
    const s = this.slots;
    let i = s.length;
    while (i > 0 && (s[i - 2] as number) > id) i -= 2;
    if (i > 0 && s[i - 2] === id) return i - 1;
    if (i === s.length) s.push(id, this.config.initial());
    else s.splice(i, 0, id, this.config.initial());
    return i + 1;
  }

  private insert(ts: number, value: V): void {
    const shape = this.config.shape;
    if (shape.kind === "session") {
      this.insertSession(ts, value, shape.gap);
      return;
    }
    const update = this.config.update;
    if (this.byPane || shape.offset === shape.length) {
      const i = this.slot(Math.floor((ts - shape.alignTo) / this.slotMs));
      this.slots[i] = update(value, this.slots[i] as A);
      return;
    }
    const [first, last] = this.windowsOf(ts);
    for (let w = first; w <= last; w++) {
      const i = this.slot(w);
      this.slots[i] = update(value, this.slots[i] as A);
    }
  }

  /** Emit and drop the windows the watermark has passed, oldest first. */
  private close(watermark: number, out: Emitted[]): void {
    if (this.config.shape.kind === "session") {
      this.closeSessions(watermark, this.config.shape.gap, out);
      return;
    }
    const s = this.slots;
    while (s.length > 0) {
      const w = this.oldestWindow();
      if (this.endOf(w) > watermark) return;
      let acc = s[1] as A;
      // Slots to drop.
      let drop: number;
      if (!this.byPane) {
        drop = 1;
      } else {
        // Window w is the m panes from w·k; the first pane is in it. Panes in no later window go.
        const end = w * this.k + this.m;
        const combine = this.config.combine;
        for (let i = 2; i < s.length && (s[i] as number) < end; i += 2) acc = combine(acc, s[i + 1] as A);
        drop = 0;
        const keepFrom = (w + 1) * this.k;
        while (2 * drop < s.length && (s[2 * drop] as number) < keepFrom) drop++;
        if (this.extraIds.length > 0 && this.extraIds[0] === w) {
          acc = combine(acc, this.extraAccs[0]);
          this.extraIds.shift();
          this.extraAccs.shift();
        }
      }
      if (drop === 1 && s.length === 2) {
        // The usual case (tumbling): pop keeps the array's storage, `length = 0` would drop it.
        s.pop();
        s.pop();
      } else if (drop > 0) {
        s.splice(0, 2 * drop);
      }
      this.closed = w;
      this.emitClosed(w, acc, this.openOf(w), this.endOf(w), undefined, out);
    }
  }

  // --- Sessions -------------------------------------------------------------

  /**
   * Sessions numbered 0, 1, 2 … per key, by open time; a value within `gap`
   * of one (inclusive) joins it, and a session grown to within `gap` of the
   * next one absorbs it (the earlier keeps its id; accumulators combined).
   */
  private insertSession(ts: number, value: V, gap: number): void {
    const sessions = this.sessions;
    const { update, combine } = this.config;
    let i = 0;
    while (i < sessions.length && !(ts >= sessions[i].open - gap && ts <= sessions[i].close + gap)) i++;
    if (i === sessions.length) {
      const session: SessionAcc<A> = { id: this.nextId++, open: ts, close: ts, merged: [], acc: update(value, this.config.initial()) };
      let at = sessions.length;
      while (at > 0 && sessions[at - 1].open > ts) at--;
      sessions.splice(at, 0, session);
      return;
    }
    const s = sessions[i];
    if (ts < s.open) s.open = ts;
    if (ts > s.close) s.close = ts;
    s.acc = update(value, s.acc);
    while (i + 1 < sessions.length && sessions[i + 1].open - s.close <= gap) {
      const [next] = sessions.splice(i + 1, 1);
      if (next.close > s.close) s.close = next.close;
      s.merged.push(next.id, ...next.merged);
      s.acc = combine(s.acc, next.acc);
    }
  }

  private closeSessions(watermark: number, gap: number, out: Emitted[]): void {
    const sessions = this.sessions;
    for (let i = 0; i < sessions.length; ) {
      const s = sessions[i];
      if (s.close + gap < watermark) {
        sessions.splice(i, 1);
        this.emitClosed(s.id, s.acc, s.open, s.close, s.merged, out);
      } else i++;
    }
  }

  // --- Output -------------------------------------------------------------

  private emitClosed(id: number, acc: A, open: number, close: number, merged: readonly number[] | undefined, out: Emitted[]): void {
    const output = this.config.output;
    if (output === undefined) {
      out.push([this.key, [CLOSE, [id, acc], open, close, merged]]);
      return;
    }
    const w = output(this.key, acc);
    out.push([this.key, w === undefined ? [META, [id, undefined], open, close, merged] : [CLOSE, [id, w], open, close, merged]]);
  }

  /** Emit `acc` on `down` as window `id`'s, at once (a late value's own window). */
  private emitNow(id: number, acc: A, out: Emitted[]): void {
    const output = this.config.output;
    if (output === undefined) {
      out.push([this.key, [DOWN, [id, acc]]]);
      return;
    }
    const w = output(this.key, acc);
    if (w !== undefined) out.push([this.key, [DOWN, [id, w]]]);
  }

  // --- Late values ----------------------------------------------------------

  private late(ts: number, value: V, out: Emitted[]): void {
    const policy = this.config.latePolicy;
    if (policy === "drop") return;
    const shape = this.config.shape;
    if (policy === "placeInOldestWindow" && this.placeInOldest(value)) return;
    let first = LATE_SESSION_ID;
    let last = LATE_SESSION_ID;
    if (shape.kind === "fixed") [first, last] = this.windowsOf(ts);
    for (let w = first; w <= last; w++) {
      if (policy === "stream") out.push([this.key, [LATE, [w, value]]]);
      else this.emitNow(w, this.config.update(value, this.config.initial()), out);
    }
  }

  /** Fold a late value into the key's oldest open window; false if none is open. */
  private placeInOldest(value: V): boolean {
    const { update, initial } = this.config;
    if (this.config.shape.kind === "session") {
      if (this.sessions.length === 0) return false;
      const s = this.sessions[0];
      s.acc = update(value, s.acc);
      return true;
    }
    if (this.slots.length === 0) return false;
    if (!this.byPane) {
      this.slots[1] = update(value, this.slots[1] as A);
      return true;
    }
    // A pane is shared with later windows: the value goes to the window's own extra accumulator.
    const w = this.oldestWindow();
    if (this.extraIds.length > 0 && this.extraIds[0] === w) {
      this.extraAccs[0] = update(value, this.extraAccs[0]);
    } else {
      // Windows close oldest first, so w is older than any window with an extra.
      this.extraIds.unshift(w);
      this.extraAccs.unshift(update(value, initial()));
    }
    return true;
  }
}

/** @internal What `foldWindow` snapshotted before it was an `AccKeyLogic`: a `WindowKeyLogic`'s state. */
interface LegacyState {
  readonly clock: unknown;
  readonly windower: { readonly opened?: readonly number[]; readonly nextId?: number; readonly sessions?: readonly { id: number; open: number; close: number; merged: number[] }[] };
  readonly logics: Map<number, { readonly acc: unknown }>;
  readonly queue: readonly (readonly [number, unknown])[];
}

function isLegacy(resume: object): resume is LegacyState {
  return "logics" in resume;
}

/** A key snapshotted by an earlier version, in today's shape (fold windows never had panes). */
function fromLegacy<V, A>(old: LegacyState, config: AccConfig<V, A>): AccKeyState {
  const accOf = (id: number): unknown => (old.logics.has(id) ? old.logics.get(id)!.acc : config.initial());
  const opened = old.windower.opened ?? [];
  return {
    clock: old.clock,
    closed: null,
    slots: opened.map((id) => [id, accOf(id)] as const),
    extras: [],
    nextId: old.windower.nextId ?? 0,
    sessions: (old.windower.sessions ?? []).map((s) => ({ ...s, acc: accOf(s.id) })),
    queue: old.queue,
  };
}

/** Greatest common divisor of two positive durations, or 0 when they are not whole milliseconds. */
function gcd(a: number, b: number): number {
  if (!Number.isInteger(a) || !Number.isInteger(b)) return 0;
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/**
 * The per-key state of an `EventClock`.
 *
 * @module
 * @internal
 */
import type { RunClock } from "../../../clock.js";
import type { ClockLogic } from "./clockLogic.js";
import { END_OF_TIME, START_OF_TIME, instantOf } from "./time.js";

/** @internal What an event clock logic needs from its `EventClock`. */
export interface EventClockConfig<V> {
  readonly tsGetter: (value: V) => Date;
  readonly waitForSystemDuration: number;
  readonly nowGetter: (() => Date) | undefined;
  readonly toSystemUtc: ((watermark: Date) => Date | undefined) | undefined;
}

/**
 * @internal Snapshot of a key's event clock: the watermark was `base` at
 * system time `at` (ms, on the `nowGetter` clock) and moves with it since.
 */
export interface EventClockState {
  readonly base: number;
  readonly at: number;
}

/**
 * @internal Watermark = max over values of (timestamp − wait + system time
 * elapsed since that value). Only the best term is kept, so it never
 * regresses; with an infinite wait it stays at the start of time until EOF.
 */
export class EventClockLogic<V> implements ClockLogic<V, EventClockState | undefined> {
  private now: number;
  /**
   * The state, inline (no object of its own: with many keys, each object a
   * value touches is a cache miss): the watermark was `base` at system time
   * `at`; `base` is `-Infinity` before the first value.
   */
  private base = START_OF_TIME;
  private at = 0;
  /** Highest watermark returned, in case the `nowGetter` moves back. */
  private floor = START_OF_TIME;

  constructor(
    private readonly config: EventClockConfig<V>,
    resume: EventClockState | undefined,
    /** The run's clock: system time, unless the config has a `nowGetter`. */
    private readonly clock: RunClock,
  ) {
    if (resume !== undefined) {
      this.base = resume.base;
      this.at = resume.at;
    }
    this.now = this.readNow();
  }

  beforeBatch(now?: number): void {
    this.now = now === undefined || this.config.nowGetter !== undefined ? this.readNow() : now;
  }

  onItem(value: V): number {
    const ts = instantOf(this.config.tsGetter(value), "tsGetter");
    const candidate = ts - this.config.waitForSystemDuration;
    if (candidate > this.watermark()) {
      this.base = candidate;
      this.at = this.now;
      this.floor = candidate;
    }
    return ts;
  }

  watermark(): number {
    const wm = this.base + (this.now - this.at);
    if (wm > this.floor) this.floor = wm;
    return this.floor;
  }

  onNotify(): number {
    this.now = this.readNow();
    return this.watermark();
  }

  onEof(): number {
    return END_OF_TIME;
  }

  toSystem(watermark: number): number {
    if (!Number.isFinite(watermark) || this.base === START_OF_TIME || this.config.waitForSystemDuration === Infinity) return Infinity;
    const { toSystemUtc, nowGetter } = this.config;
    if (toSystemUtc !== undefined) {
      const at = toSystemUtc(new Date(watermark));
      return at === undefined ? Infinity : instantOf(at, "toSystemUtc");
    }
    // When the watermark reaches `watermark`, on the clock it advances with...
    const due = this.at + (watermark - this.base);
    // ...moved onto the executor's clock when that is not the system clock.
    return nowGetter === undefined ? due : this.clock.now() + (due - this.readNow());
  }

  snapshot(): EventClockState | undefined {
    return this.base === START_OF_TIME ? undefined : { base: this.base, at: this.at };
  }

  private readNow(): number {
    const getter = this.config.nowGetter;
    return getter === undefined ? this.clock.now() : instantOf(getter(), "nowGetter");
  }
}

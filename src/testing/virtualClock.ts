/**
 * {@link VirtualClock}: a run clock whose time only moves when a test says so.
 *
 * @module
 */
import { RunClock, type ClockSleep } from "../clock.js";

interface Sleeper {
  readonly at: number;
  readonly resolve: () => void;
}

/**
 * A clock for tests: give it to `runMain(flow, { clock })` and the run reads
 * time only from it (epoch closes, timers, window closes, `collect`
 * timeouts, `TestingSource.PAUSE`, polling intervals). Virtual time never
 * moves by itself, so a test asserts exact instants and never sleeps.
 *
 * `advance(ms)` first lets every run on the clock finish what is due at the
 * current instant, then moves time forward through each instant a run waits
 * for, in order (running what it wakes), and resolves once every run is idle
 * at the final instant: waiting for a later instant, or ended.
 * `advance(0)` runs the flows until they are idle at the current instant.
 *
 * A run is idle when it waits for time; a run waiting for anything else (an
 * asynchronous source or sink) is busy, and `advance` waits for it.
 *
 * @category Testing
 * @example
 * ```ts
 * const clock = new VirtualClock(0);
 * const out: [string, string[]][] = [];
 * const flow = new Dataflow("f");
 * flow
 *   .input("in", new TestingSource<readonly [string, string]>([["a", "x"], TestingSource.PAUSE(seconds(10)), ["a", "y"]]))
 *   .collect("c", { timeout: seconds(5) })
 *   .output("out", new TestingSink(out));
 * const run = runMain(flow, { clock });
 * await clock.advance(seconds(5)); // out = [["a", ["x"]]], at exactly 5 s
 * await clock.advance(seconds(5));
 * await run;                  // out = [["a", ["x"]], ["a", ["y"]]]
 * ```
 */
export class VirtualClock extends RunClock {
  #now: number;
  #runs = 0;
  readonly #sleepers = new Set<Sleeper>();
  #idleWaiters: (() => void)[] = [];
  /** The `advance` in progress: later calls run after it. */
  #advancing: Promise<void> = Promise.resolve();

  /**
   * @param startMs - The starting instant, in ms since the Unix epoch.
   * @throws RangeError if `startMs` is not a finite number.
   */
  constructor(startMs = 0) {
    super();
    if (typeof startMs !== "number" || !Number.isFinite(startMs)) {
      throw new RangeError(`VirtualClock needs a finite start time in ms; got ${String(startMs)}`);
    }
    this.#now = startMs;
  }

  /**
   * The current virtual instant.
   *
   * @returns Milliseconds since the Unix epoch.
   */
  now(): number {
    return this.#now;
  }

  /**
   * Move time forward by `ms`, running every run on this clock through each
   * instant it waits for on the way (see the class summary).
   *
   * @param ms - Milliseconds to advance (`>= 0`; `0` runs what is due now).
   * @returns Resolves once every run is idle at the new instant.
   * @throws RangeError if `ms` is negative or not finite.
   */
  advance(ms: number): Promise<void> {
    if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0) {
      return Promise.reject(new RangeError(`VirtualClock.advance needs a finite number of ms >= 0; got ${String(ms)}`));
    }
    const run = this.#advancing.then(() => this.#advanceNow(ms));
    this.#advancing = run.catch(() => {});
    return run;
  }

  async #advanceNow(ms: number): Promise<void> {
    const target = this.#now + ms;
    await this.#settled();
    for (;;) {
      let next = Infinity;
      for (const s of this.#sleepers) if (s.at < next) next = s.at;
      if (next > target) break;
      if (next > this.#now) this.#now = next;
      for (const s of [...this.#sleepers]) {
        if (s.at > this.#now) continue;
        this.#sleepers.delete(s);
        s.resolve();
      }
      await this.#settled();
    }
    this.#now = target;
    await this.#settled();
  }

  /** @internal */
  sleepUntil(at: number): ClockSleep {
    if (at <= this.#now) return { done: Promise.resolve(), wake: () => {} };
    let sleeper!: Sleeper;
    const done = new Promise<void>((resolve) => {
      sleeper = { at, resolve };
    });
    this.#sleepers.add(sleeper);
    this.#checkIdle();
    return {
      done,
      wake: () => {
        if (this.#sleepers.delete(sleeper)) sleeper.resolve();
      },
    };
  }

  /** @internal */
  override attach(): () => void {
    this.#runs++;
    let attached = true;
    return () => {
      if (!attached) return;
      attached = false;
      this.#runs--;
      this.#checkIdle();
    };
  }

  /** Whether every run waits for time (or there is none). */
  #idle(): boolean {
    return this.#sleepers.size >= this.#runs;
  }

  #checkIdle(): void {
    if (!this.#idle() || this.#idleWaiters.length === 0) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const w of waiters) w();
  }

  /** Resolves once every run is idle. */
  #settled(): Promise<void> {
    return new Promise((resolve) => {
      // Let what was just woken start before judging idleness.
      setImmediate(() => {
        if (this.#idle()) resolve();
        else this.#idleWaiters.push(resolve);
      });
    });
  }
}

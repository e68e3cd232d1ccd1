/**
 * The time a run reads: {@link RunClock}, and the system clock every run uses
 * unless it is given another one.
 *
 * @module
 */

/**
 * @internal A wait on a clock: `done` settles at its instant, or earlier
 * when `wake()` is called (a message arrived, the run is stopping).
 */
export interface ClockSleep {
  readonly done: Promise<void>;
  wake(): void;
}

/**
 * Where a run reads the time and waits for it. Every instant the engine and
 * the built-in steps use comes from the run's clock: epoch closes, timers of
 * stateful steps (`notifyAt`), window closes with `win.SystemClock` (and
 * `win.EventClock`'s system-time wait), `collect` timeouts,
 * `TestingSource.PAUSE` and the polls of a `SimplePollingSource`.
 *
 * A run uses the system clock unless `runMain(flow, { clock })` gives it
 * another: in tests, a `VirtualClock` from `sluice/testing`, whose time only
 * moves when the test says so. Sources, sinks and stateful logics that need
 * the time read it from the {@link RunContext} they are built with
 * (`context.clock.now()`), not from `Date.now()`, so the same clock drives
 * them.
 *
 * @category Running
 * @example
 * ```ts
 * const clock = new VirtualClock(0);
 * const run = runMain(flow, { clock });
 * await clock.advance(seconds(10)); // windows due in the first 10 s close, in order
 * ```
 */
export abstract class RunClock {
  /**
   * The current instant.
   *
   * @returns Milliseconds since the Unix epoch.
   */
  abstract now(): number;

  /**
   * @internal Wait until `at` (ms since the epoch; `Infinity`: until woken).
   * The executor sleeps only here, and only when it has nothing to do before `at`.
   */
  abstract sleepUntil(at: number): ClockSleep;

  /**
   * @internal A run starts reading this clock; the returned function is
   * called once when it ends. A virtual clock counts its runs to know when
   * they are all idle.
   */
  attach(): () => void {
    return () => {};
  }
}

/** @internal The clock of the machine: `Date.now()` and `setTimeout`. */
class SystemRunClock extends RunClock {
  now(): number {
    return Date.now();
  }

  sleepUntil(at: number): ClockSleep {
    let wake!: () => void;
    const done = new Promise<void>((resolve) => {
      const timer = at === Infinity ? undefined : setTimeout(resolve, Math.max(1, Math.ceil(at - Date.now())));
      wake = () => {
        if (timer !== undefined) clearTimeout(timer);
        resolve();
      };
    });
    return { done, wake };
  }
}

/** @internal The clock of runs given none. */
export const systemClock: RunClock = new SystemRunClock();

/**
 * What a run tells the sources, sinks and stateful logics it builds: the
 * clock to read the time from, and which worker builds them.
 *
 * Passed as the last argument of `FixedPartitionedSource.buildPart`,
 * `DynamicSource.build` and the builders of stateful steps
 * (`statefulBatch`, `stateful`); code that ignores it keeps working.
 *
 * @category Running
 * @example
 * ```ts
 * class Ticks extends StatefulSourcePartition<number, undefined> {
 *   constructor(private readonly context: RunContext) { super(); }
 *   nextBatch(): number[] { return [this.context.clock.now()]; }
 *   override nextAwake(): Date { return new Date(this.context.clock.now() + seconds(1)); }
 *   snapshot(): undefined { return undefined; }
 * }
 * ```
 */
export interface RunContext {
  /** The run's clock (the system clock unless the run was given another). */
  readonly clock: RunClock;
  /** Index of the worker running this code, from 0. */
  readonly worker: number;
  /** Number of workers of the run. */
  readonly workerCount: number;
}

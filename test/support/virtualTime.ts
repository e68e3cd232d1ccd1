/**
 * Helpers of the tests of time: runs driven by a `VirtualClock` to a given
 * instant, and a virtual clock that records every wait a run asks for.
 */
import type { ClockSleep } from "../../src/clock.js";
import type { Dataflow } from "../../src/index.js";
import { runMain, VirtualClock, type RunOptions } from "../../src/testing/index.js";

/** Where the virtual clocks of the tests start: 2024-01-01T00:00:00Z. */
export const T_START = Date.parse("2024-01-01T00:00:00Z");

/** Run options, plus how far to move a virtual clock before awaiting the run. */
export interface AdvancingRunOptions extends RunOptions {
  /**
   * Milliseconds to advance `clock`, a `VirtualClock`, once the run started
   * (default 0: run what is due at the start). Only with a `VirtualClock`.
   */
  advance?: number;
}

/**
 * Let `run` (started on `clock`) go on while `clock` advances by `ms`, then
 * settle like it. Fails if the run still waits for a later instant then, so
 * a test that advances too little fails at once instead of hanging.
 *
 * @returns What `run` resolves with.
 */
export async function afterAdvance<T>(clock: VirtualClock, ms: number, run: Promise<T>): Promise<T> {
  let settled = false;
  const outcome = run.finally(() => {
    settled = true;
  });
  // Handled here so that a run failing while the clock advances is not reported as unhandled.
  outcome.catch(() => {});
  await clock.advance(ms);
  // A run that ended has detached from the clock; let its promise settle.
  await new Promise<void>((resolve) => setImmediate(resolve));
  if (!settled) {
    throw new Error(`the run still waits for time at ${new Date(clock.now()).toISOString()}, after advancing ${ms} ms`);
  }
  return outcome;
}

/**
 * `runMain(flow, options)`; on a `VirtualClock`, advanced by
 * `options.advance` ms (see {@link afterAdvance}).
 */
export async function runAdvancing(flow: Dataflow, options: AdvancingRunOptions = {}): Promise<void> {
  const { advance, ...runOptions } = options;
  const clock = runOptions.clock;
  if (!(clock instanceof VirtualClock)) {
    if (advance !== undefined) throw new Error("`advance` needs a VirtualClock in `clock`");
    return runMain(flow, runOptions);
  }
  return afterAdvance(clock, advance ?? 0, runMain(flow, runOptions));
}

/** A wait a run asked its clock for, in ms from the clock's start. */
export interface RecordedSleep {
  /** When it was asked. */
  readonly from: number;
  /** The instant it waits for (`Infinity`: until woken). */
  readonly until: number;
}

/** A `VirtualClock` that records every `sleepUntil` of the runs on it. */
export class RecordingClock extends VirtualClock {
  /** Every wait asked for, in order, relative to `start`. */
  readonly sleeps: RecordedSleep[] = [];

  constructor(readonly start = T_START) {
    super(start);
  }

  /** @internal */
  override sleepUntil(at: number): ClockSleep {
    this.sleeps.push({ from: this.now() - this.start, until: at - this.start });
    return super.sleepUntil(at);
  }

  /** The current instant, in ms from `start`. */
  elapsed(): number {
    return this.now() - this.start;
  }
}

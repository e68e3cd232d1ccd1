import { describe, expect, it } from "vitest";
import { StatefulBatchLogic, type LogicResult, type RunClock } from "../../../src/index.js";
import { TestingSource } from "../../../src/testing/index.js";
import { RecordingClock } from "../../support/virtualTime.js";
import { runKeyed } from "./helpers.js";

/** Asks to be woken 2 s after its first value, on the run's clock. */
class WakeInTwoSeconds extends StatefulBatchLogic<number, string, null> {
  at: number | undefined;
  firedAt: number | undefined;

  constructor(private readonly clock: RunClock) {
    super();
  }

  onBatch(values: number[]): LogicResult<string> {
    if (this.at === undefined && this.firedAt === undefined) this.at = this.clock.now() + 2000;
    return [values.map((v) => `got ${v}`), StatefulBatchLogic.RETAIN];
  }

  override onNotify(): LogicResult<string> {
    this.firedAt = this.clock.now();
    return [["woke"], StatefulBatchLogic.RETAIN];
  }

  override notifyAt(): Date | undefined {
    return this.at === undefined || this.firedAt !== undefined ? undefined : new Date(this.at);
  }

  snapshot(): null {
    return null;
  }
}

describe("statefulBatch timer wait", () => {
  it("sleeps straight to the timer's instant while it waits 2 s with no input, then to the pause's end: no busy polling", async () => {
    const clock = new RecordingClock();
    const logics: WakeInTwoSeconds[] = [];
    const out = await runKeyed(
      [["k", 1], TestingSource.PAUSE(2200), ["k", 2]],
      (s) =>
        s.statefulBatch("sb", (_resume: null | undefined, context) => {
          const logic = new WakeInTwoSeconds(context.clock);
          logics.push(logic);
          return logic;
        }),
      { clock, advance: 2200 },
    );

    expect(out).toEqual([
      ["k", "got 1"],
      ["k", "woke"],
      ["k", "got 2"],
    ]);
    expect(logics).toHaveLength(1);
    const { at, firedAt } = logics[0];
    expect(at! - clock.start).toBe(2000);
    expect(firedAt).toBe(at);
    // Two waits in the whole run, each asked for once and straight to the next
    // instant something is due: the timer, then the end of the pause.
    expect(clock.sleeps).toEqual([
      { from: 0, until: 2000 },
      { from: 2000, until: 2200 },
    ]);
  });
});

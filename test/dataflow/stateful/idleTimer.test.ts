import { describe, expect, it } from "vitest";
import { StatefulBatchLogic, type LogicResult } from "../../../src/index.js";
import { TestingSource } from "../../../src/testing/index.js";
import { runKeyed } from "./helpers.js";

/** Asks to be woken 2 s after its first value. */
class WakeInTwoSeconds extends StatefulBatchLogic<number, string, null> {
  at: number | undefined;
  firedAt: number | undefined;

  onBatch(values: number[]): LogicResult<string> {
    if (this.at === undefined && this.firedAt === undefined) this.at = Date.now() + 2000;
    return [values.map((v) => `got ${v}`), StatefulBatchLogic.RETAIN];
  }

  override onNotify(): LogicResult<string> {
    this.firedAt = Date.now();
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
  it("sleeps, without busy CPU, while it waits 2 s for a timer with no input", async () => {
    const logics: WakeInTwoSeconds[] = [];
    const wall0 = performance.now();
    const cpu0 = process.cpuUsage();
    const out = await runKeyed(
      [["k", 1], TestingSource.PAUSE(2200), ["k", 2]],
      (s) =>
        s.statefulBatch("sb", () => {
          const logic = new WakeInTwoSeconds();
          logics.push(logic);
          return logic;
        }),
    );
    const cpu = process.cpuUsage(cpu0);
    const wallMs = performance.now() - wall0;
    const cpuMs = (cpu.user + cpu.system) / 1000;

    expect(out).toEqual([
      ["k", "got 1"],
      ["k", "woke"],
      ["k", "got 2"],
    ]);
    expect(logics).toHaveLength(1);
    const { at, firedAt } = logics[0];
    expect(firedAt! - at!).toBeGreaterThanOrEqual(0);
    expect(firedAt! - at!).toBeLessThan(150);
    expect(wallMs).toBeGreaterThanOrEqual(2150);
    // Waiting is sleeping: a small fraction of one core.
    expect(cpuMs / wallMs).toBeLessThan(0.15);
  });
});

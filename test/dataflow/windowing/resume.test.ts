import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Dataflow, RecoveryConfig, initDbDir, win } from "../../../src/index.js";
import { runMain, TestingSink, TestingSource } from "../../../src/testing/index.js";

const T0 = Date.parse("2024-06-01T12:00:00Z");
type Reading = { sensor: string; at: number; value: number };

function windowFlow(items: unknown[], out: unknown[]): Dataflow {
  const flow = new Dataflow("w");
  const clock = new win.EventClock((r: Reading) => new Date(r.at), 0);
  const windower = new win.TumblingWindower(60_000, new Date(T0));
  const { down } = flow
    .input("in", new TestingSource(items as Reading[]))
    .keyOn("by_sensor", (r) => r.sensor)
    .foldWindow("sum", clock, windower, () => 0, (acc, r: Reading) => acc + r.value, (a, b) => a + b);
  down.map("fmt", ([k, [id, sum]]) => `${k}#${id}=${sum}`).output("out", new TestingSink(out));
  return flow;
}

const r = (sensor: string, sec: number, value: number): Reading => ({ sensor, at: T0 + sec * 1000, value });

describe("windows resumed with recovery", () => {
  it("closes after an abort the windows that were open, with the same results as an uninterrupted run", async () => {
    const readings = [r("a", 1, 1), r("b", 2, 10), r("a", 30, 2), r("a", 61, 4), r("b", 65, 20), r("a", 125, 8), r("b", 130, 40)];
    const uninterrupted: unknown[] = [];
    await runMain(windowFlow(readings, uninterrupted), { epochInterval: 0 });

    const dir = mkdtempSync(join(tmpdir(), "sluice-win-rec-"));
    initDbDir(dir, 2);
    // Abort after some windows opened (and one closed); resume from the committed epochs.
    const items = [...readings.slice(0, 4), TestingSource.ABORT(), ...readings.slice(4)];
    const first: unknown[] = [];
    await runMain(windowFlow(items, first), { epochInterval: 0, recovery: new RecoveryConfig(dir) });
    const second: unknown[] = [];
    await runMain(windowFlow(items, second), { epochInterval: 0, recovery: new RecoveryConfig(dir) });

    expect(uninterrupted).toEqual(["a#0=3", "b#0=10", "a#1=4", "b#1=20", "a#2=8", "b#2=40"]);
    expect(first).toEqual(["a#0=3"]);
    expect([...first, ...second]).toEqual(uninterrupted);
  });
});

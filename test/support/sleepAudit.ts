/**
 * Sleep audit (opt-in: `SLUICE_SLEEP_AUDIT=<file>`): how long the tests of
 * each file wait on real timers. Every `setTimeout` of 1 ms or more counts
 * from when it is set until it fires or is cleared; the totals per test file
 * are appended to `<file>` as JSON lines. Overlapping timers count each, so
 * the figure is an upper bound of the time spent sleeping.
 *
 * `npm run audit:sleeps` runs the suite with it and prints the totals.
 */
import { appendFileSync } from "node:fs";
import { afterAll, beforeEach, expect } from "vitest";

const out = process.env.SLUICE_SLEEP_AUDIT;
if (out) {
  const realSet = globalThis.setTimeout;
  const realClear = globalThis.clearTimeout;
  const started = new Map<unknown, number>();
  const perTest = new Map<string, number>();
  let current = "(outside tests)";
  const add = (ms: number): void => void perTest.set(current, (perTest.get(current) ?? 0) + ms);
  globalThis.setTimeout = ((fn: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    const delay = Number(ms ?? 0);
    if (!(delay >= 1)) return realSet(fn, ms, ...args);
    const at = performance.now();
    const handle = realSet(
      (...a: unknown[]) => {
        started.delete(handle);
        add(performance.now() - at);
        fn(...a);
      },
      delay,
      ...args,
    );
    started.set(handle, at);
    return handle;
  }) as typeof setTimeout;
  globalThis.clearTimeout = ((handle?: Parameters<typeof clearTimeout>[0]) => {
    const at = started.get(handle);
    if (at !== undefined) {
      started.delete(handle);
      add(performance.now() - at);
    }
    realClear(handle);
  }) as typeof clearTimeout;
  beforeEach(() => {
    current = expect.getState().currentTestName ?? "(unnamed)";
  });
  afterAll(() => {
    const file = expect.getState().testPath ?? "(unknown)";
    const total = [...perTest.values()].reduce((a, b) => a + b, 0);
    appendFileSync(out, JSON.stringify({ file, totalMs: Math.round(total), tests: Object.fromEntries([...perTest].map(([k, v]) => [k, Math.round(v)])) }) + "\n");
  });
}

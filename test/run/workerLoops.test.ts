// Loops (op.feedback) on several worker threads, through the built package.
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runOnWorkers, type WorkersOutput } from "../support/workers.js";

const FIXTURE = fileURLToPath(new URL("./fixtures/loops.ts", import.meta.url));

/** Run `exportName` on `workers` workers; every worker's output lines, parsed, and how many each wrote. */
const runOn = (exportName: string, workers: number): Promise<WorkersOutput> => runOnWorkers(FIXTURE, exportName, workers, { epochInterval: 20 });

function collatzSteps(n: number): number {
  let k = 0;
  for (let x = n; x !== 1 || k === 0; x = x % 2 === 1 ? 3 * x + 1 : x / 2) k++;
  return k;
}

describe("loops on several workers", () => {
  it("Collatz on keyed state gives every number's steps with 1 and 3 workers, the walks crossing workers", async () => {
    const expected = Array.from({ length: 300 }, (_, i) => `${i + 1}: ${collatzSteps(i + 1)}`).sort();
    const one = await runOn("collatz", 1);
    expect((one.items as string[]).sort()).toEqual(expected);
    const three = await runOn("collatz", 3);
    expect((three.items as string[]).sort()).toEqual(expected);
    expect(three.perWorker.filter((n) => n > 0).length).toBeGreaterThan(1);
  }, 60_000);

  it("ping-pong between two keys for 60 rounds, then each player's hits at EOF, with 1 and 3 workers", async () => {
    const expected = [["ping", 60], ["ping", -31], ["pong", -30]].map((x) => JSON.stringify(x)).sort();
    for (const workers of [1, 3]) {
      const { items } = await runOn("pingPong", workers);
      expect(items.map((x) => JSON.stringify(x)).sort()).toEqual(expected);
    }
  }, 60_000);
});

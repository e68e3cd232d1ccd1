import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { initDbDir } from "../../src/index.js";
import { prng, runFlowProcess, type Outcome } from "../support/chaos.js";

const FLOW = fileURLToPath(new URL("./fixtures/chaosFlow.ts", import.meta.url));
const LOOP_FLOW = fileURLToPath(new URL("./fixtures/loopChaosFlow.ts", import.meta.url));
const LINES = 100_000;
const KILLS = 20;

/** Run the flow with recovery; SIGKILL it after `killAfterMs` if given. */
function runChaosFlow(input: string, output: string, recoveryDir: string, killAfterMs?: number): Promise<Outcome> {
  const env = { CHAOS_INPUT: input, CHAOS_OUTPUT: output, CHAOS_PACE_MS: "1" };
  return runFlowProcess(FLOW, ["-r", recoveryDir, "-s", "0.05", "-b", "0"], env, killAfterMs);
}

describe("crash safety", () => {
  it(`output equals an uninterrupted run byte for byte after ${KILLS} SIGKILLs at random moments`, async () => {
    const work = mkdtempSync(join(tmpdir(), "sluice-chaos-"));
    const input = join(work, "input.csv");
    const rand = prng(Number(process.env.CHAOS_SEED ?? 20261121));
    const rows: string[] = [];
    for (let i = 0; i < LINES; i++) rows.push(`k${Math.floor(rand() * 1000)},${Math.floor(rand() * 100)}`);
    writeFileSync(input, rows.join("\n") + "\n");

    const refDir = join(work, "ref-state");
    const reference = join(work, "reference.txt");
    const chaosDir = join(work, "chaos-state");
    const output = join(work, "output.txt");
    for (const d of [refDir, chaosDir]) {
      mkdirSync(d);
      initDbDir(d, 3);
    }
    const ref = await runChaosFlow(input, reference, refDir);
    expect(ref.stderr).toBe("");
    expect(ref.code).toBe(0);

    let killedMidway = 0;
    for (let i = 0; i < KILLS; i++) {
      const r = await runChaosFlow(input, output, chaosDir, 150 + Math.floor(rand() * 900));
      if (r.signal !== "SIGKILL") {
        // The whole input was processed before the kill came: it must have ended cleanly.
        expect(r.code).toBe(0);
        break;
      }
      if (existsSync(output) && statSync(output).size > 0 && statSync(output).size < statSync(reference).size) killedMidway++;
    }
    const last = await runChaosFlow(input, output, chaosDir);
    expect(last.stderr).toBe("");
    expect(last.code).toBe(0);

    expect(killedMidway).toBeGreaterThan(3);
    const expected = readFileSync(reference);
    const actual = readFileSync(output);
    expect(actual.length).toBe(expected.length);
    expect(actual.equals(expected)).toBe(true);
  }, 90_000);

  it("a loop: items in flight at each kill are resumed, on 1, 3 and 2 workers in turn, and the output equals an uninterrupted run's", async () => {
    const work = mkdtempSync(join(tmpdir(), "sluice-loop-chaos-"));
    const input = join(work, "numbers.txt");
    const count = 2000;
    writeFileSync(input, Array.from({ length: count }, (_, i) => String(i + 1)).join("\n") + "\n");
    const rand = prng(Number(process.env.CHAOS_SEED ?? 20261206));
    // Paced so a whole run (~2.5 s) outlasts several kills (at 0.3-1.2 s, each run losing its start-up):
    // at 2 ms per batch, Node 24 often finished on the 4th run.
    const run = (output: string, dir: string, workers: number, killAfterMs?: number): Promise<Outcome> =>
      runFlowProcess(LOOP_FLOW, ["-w", String(workers), "-r", dir, "-s", "0.05", "-b", "0"], { CHAOS_INPUT: input, CHAOS_OUTPUT: output, CHAOS_PACE_MS: "5" }, killAfterMs);
    const refDir = join(work, "ref-state");
    const chaosDir = join(work, "chaos-state");
    for (const d of [refDir, chaosDir]) {
      mkdirSync(d);
      initDbDir(d, 3);
    }
    const reference = join(work, "reference.txt");
    const ref = await run(reference, refDir, 1);
    expect(ref.stderr).toBe("");
    expect(ref.code).toBe(0);
    const lines = (file: string): string[] => readFileSync(file, "utf8").split("\n").filter((l) => l !== "").sort();
    expect(lines(reference)).toHaveLength(count);

    const output = join(work, "output.txt");
    const workers = [1, 3, 2];
    let killed = 0;
    for (let i = 0; i < 12; i++) {
      const r = await run(output, chaosDir, workers[i % 3], 300 + Math.floor(rand() * 900));
      if (r.signal !== "SIGKILL") {
        expect(r.code).toBe(0);
        break;
      }
      killed++;
    }
    const last = await run(output, chaosDir, 2);
    expect(last.stderr).toBe("");
    expect(last.code).toBe(0);
    expect(killed).toBeGreaterThan(3);
    // Several workers write in another order: the same lines, each once.
    expect(lines(output)).toEqual(lines(reference));
  }, 120_000);
});

import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { initDbDir } from "../../src/index.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const BIN = join(ROOT, "bin", "sluice.js");
const FLOW = join(ROOT, "test", "recovery", "fixtures", "chaosFlow.ts");
const LINES = 100_000;
const KILLS = 20;

/** Small seeded PRNG (mulberry32) so a failing run can be repeated. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** Run the flow with recovery; SIGKILL it after `killAfterMs` if given. */
function runChaosFlow(input: string, output: string, recoveryDir: string, killAfterMs?: number): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, "run", FLOW, "-r", recoveryDir, "-s", "0.05", "-b", "0"], {
      cwd: ROOT,
      env: { ...process.env, CHAOS_INPUT: input, CHAOS_OUTPUT: output, CHAOS_PACE_MS: "1" },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill("SIGKILL"), killAfterMs);
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stderr });
    });
  });
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
});

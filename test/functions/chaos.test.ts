// Stateful functions under SIGKILL: messages between functions, delayed
// messages and their cancellation, resumed on 1, 2 and 3 workers in turn.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { initDbDir } from "../../src/index.js";
import { prng, runFlowProcess, type KillAt, type Outcome } from "../support/chaos.js";

const FLOW = fileURLToPath(new URL("./fixtures/functionsChaosFlow.ts", import.meta.url));
const LINES = 3000;
const USERS = 250;

/**
 * What the flow writes for `input`, as sorted lines, worked out here from the
 * rules in the fixture's header (not by running it).
 */
function expectedOutput(input: readonly string[]): string[] {
  const out: string[] = [];
  const counts = new Map<string, number>();
  const sums = new Map<number, number>();
  for (const line of input) {
    const [id, n] = line.split(" ");
    const c = (counts.get(id) ?? 0) + 1;
    counts.set(id, c);
    out.push(`${id} ${c}`);
    if (c % 5 === 0 && c % 15 !== 0) out.push(`${id} ${c % 10 === 0 ? "reminder" : "resolved"} ${c}`);
    // Tallies id, id + 1, ... (modulo 7) add n, c % 3 hops.
    for (let hop = 0; hop <= c % 3; hop++) {
      const tally = (Number(id) + hop) % 7;
      sums.set(tally, (sums.get(tally) ?? 0) + Number(n));
    }
  }
  for (const [tally, sum] of sums) for (let k = 1; k <= Math.floor(sum / 1000); k++) out.push(`tally ${tally} ${k * 1000}`);
  return out.sort();
}

const lines = (file: string): string[] =>
  (existsSync(file) ? readFileSync(file, "utf8") : "")
    .split("\n")
    .filter((l) => l !== "")
    .sort();

/** What `actual` lacks of `expected`, and has more, as "missing <line> xN" and "extra <line> xN" (the first 20). */
function differences(expected: readonly string[], actual: readonly string[]): string[] {
  const balance = new Map<string, number>();
  for (const l of expected) balance.set(l, (balance.get(l) ?? 0) + 1);
  for (const l of actual) balance.set(l, (balance.get(l) ?? 0) - 1);
  return [...balance]
    .filter(([, n]) => n !== 0)
    .slice(0, 20)
    .map(([l, n]) => `${n > 0 ? "missing" : "extra"} '${l}' x${Math.abs(n)}`);
}

describe("stateful functions under SIGKILL", () => {
  it("functions messaging each other with delayed and cancelled messages, killed at random moments and resumed on 1, 2 and 3 workers, write exactly an uninterrupted run's output", async () => {
    const seed = Number(process.env.CHAOS_SEED ?? 20261214);
    const context = `CHAOS_SEED=${seed}`;
    const rand = prng(seed);
    const work = mkdtempSync(join(tmpdir(), "sluice-fns-chaos-"));
    const input = join(work, "input.txt");
    const rows: string[] = [];
    // Skewed: a few users send many lines (reminders up to count 100 and more), most a few.
    for (let i = 0; i < LINES; i++) rows.push(`${Math.floor(rand() * rand() * USERS)} ${1 + Math.floor(rand() * 99)}`);
    writeFileSync(input, rows.join("\n") + "\n");
    const expected = expectedOutput(rows);

    const run = (output: string, dir: string, workers: number, killAt?: KillAt): Promise<Outcome> =>
      runFlowProcess(FLOW, ["-w", String(workers), "-r", dir, "-s", "0.05", "-b", "0"], { CHAOS_INPUT: input, CHAOS_OUTPUT: output }, killAt);
    const refDir = join(work, "ref-state");
    const chaosDir = join(work, "chaos-state");
    for (const d of [refDir, chaosDir]) {
      mkdirSync(d);
      initDbDir(d, 3);
    }

    // The uninterrupted run, meanwhile (it mostly waits for its paced input).
    const reference = join(work, "reference.txt");
    const uninterrupted = run(reference, refDir, 1);

    const output = join(work, "output.txt");
    const size = expected.reduce((n, line) => n + Buffer.byteLength(line) + 1, 0);
    // Where to kill: at 3-5 random points of the output, in order; once at a random time after the start,
    // which may be in start-up or recovery; once the output is complete, during the wait for the last delayed
    // messages or as the run ends. Each run resumes the last on another worker count.
    const points: KillAt[] = Array.from({ length: 3 + Math.floor(rand() * 3) }, () => rand())
      .sort((x, y) => x - y)
      .map((f) => ({ watch: output, size: Math.floor(f * size), ms: Math.floor(rand() * 300) }));
    points.splice(Math.floor(rand() * (points.length + 1)), 0, 300 + Math.floor(rand() * 2000));
    points.push({ watch: output, size, ms: Math.floor(rand() * 1000) });
    const workers = [1, 2, 3];
    const log: string[] = [];
    let killed = 0;
    for (const killAt of points) {
      const before = lines(output).length;
      const r = await run(output, chaosDir, workers[killed % 3], killAt);
      const after = lines(output).length;
      const at = typeof killAt === "number" ? `${killAt} ms` : "size" in killAt ? `${killAt.ms} ms after ${killAt.size} bytes` : `${killAt.ms} ms after ready`;
      log.push(`run ${killed + 1} on ${workers[killed % 3]} worker(s), kill ${at}: ${r.signal ?? `exit ${r.code}`}, ${before} -> ${after} lines`);
      if (r.signal !== "SIGKILL") {
        // The run ended before the kill came: it must have ended cleanly.
        expect(r.code, `${context}\n${log.join("\n")}\n${r.stderr}`).toBe(0);
        break;
      }
      killed++;
    }
    // Once more, whether or not the last run ended cleanly: a resumed run that has nothing left to do ends cleanly too.
    const last = await run(output, chaosDir, workers[killed % 3]);
    log.push(`last run on ${workers[killed % 3]} worker(s): exit ${last.code}`);
    const story = `${context}\n${log.join("\n")}`;
    expect(last.stderr, story).toBe("");
    expect(last.code, story).toBe(0);
    expect(killed, story).toBeGreaterThanOrEqual(3);
    const ref = await uninterrupted;
    expect(ref.stderr, context).toBe("");
    expect(ref.code, context).toBe(0);
    expect(differences(expected, lines(reference)), context).toEqual([]);
    const actual = lines(output);
    expect(differences(expected, actual), story).toEqual([]);
    expect(actual, story).toEqual(lines(reference));
  }, 120_000);
});

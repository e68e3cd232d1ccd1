/**
 * Running a fixture flow on several worker threads through the built
 * package (`dist/`), as users do: each worker imports the fixture module,
 * whose sinks write `$PAR_OUT/<file>.jsonl` (one JSON value a line).
 */
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cliMain, type RecoveryConfig } from "../../dist/index.js";

/** What a run wrote: every line, parsed, and how many lines each file got. */
export interface WorkersOutput {
  items: unknown[];
  perWorker: number[];
}

/** Run `exportName` of `fixture` on `workers` workers; what its sinks wrote. */
export async function runOnWorkers(
  fixture: string,
  exportName: string,
  workers: number,
  options: { epochInterval?: number; recovery?: RecoveryConfig; out?: string } = {},
): Promise<WorkersOutput> {
  const out = options.out ?? mkdtempSync(join(tmpdir(), "sluice-par-"));
  process.env.PAR_OUT = out;
  await cliMain(fixture, exportName, { workers, epochInterval: options.epochInterval ?? 50, recovery: options.recovery });
  const items: unknown[] = [];
  const perWorker: number[] = [];
  for (const f of readdirSync(out).sort()) {
    const lines = readFileSync(join(out, f), "utf8").split("\n").filter((l) => l !== "");
    perWorker.push(lines.length);
    for (const l of lines) items.push(JSON.parse(l));
  }
  return { items, perWorker };
}

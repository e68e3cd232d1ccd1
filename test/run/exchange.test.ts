// Items crossing worker threads go through the exchange serde: class
// instances fail clearly unless registered, registered ones arrive whole.
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { cliMain, StepError } from "../../dist/index.js";

const FIXTURE = fileURLToPath(new URL("./fixtures/exchange.ts", import.meta.url));

/**
 * Run `exportName` on `workers` workers; every line written, sorted. The
 * epoch is longer than any run, so the only epoch ends at EOF, where the
 * `reduceFinal` states are discarded: an epoch ending mid-run would check its
 * `Money` states against the default state serde, which refuses class
 * instances (a `stateSerde` matter, not the exchange's), and on a slow
 * machine that happened.
 */
async function runOn(exportName: string, workers: number): Promise<string[]> {
  const out = mkdtempSync(join(tmpdir(), "sluice-exchange-"));
  process.env.PAR_OUT = out;
  await cliMain(FIXTURE, exportName, { workers, epochInterval: 3_600_000 });
  const lines: string[] = [];
  for (const f of readdirSync(out)) lines.push(...readFileSync(join(out, f), "utf8").split("\n").filter((l) => l !== ""));
  return lines.map((l) => JSON.parse(l) as string).sort();
}

describe("the exchange between workers", () => {
  it("a class instance that is not registered is a StepError naming the step and the class", async () => {
    // One worker: nothing crosses, the flow works.
    expect(await runOn("unregistered", 1)).toHaveLength(14);
    const err = await runOn("unregistered", 2).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StepError);
    expect(err).toMatchObject({ stepId: "money.total" });
    expect((err as Error).message).toContain("Money instance");
    expect((err as Error).message).toContain("exchangeClasses");
  });

  it("a registered class crosses with its prototype: its methods work on the other worker", async () => {
    const one = await runOn("registered", 1);
    expect(one).toHaveLength(14);
    expect(one[0]).toMatch(/^p\dk\d \d+\.\d\d EUR$/);
    expect(await runOn("registered", 2)).toEqual(one);
  });

  it("a class registered with its own encode and decode round-trips through them", async () => {
    expect(await runOn("codec", 2)).toEqual(await runOn("registered", 1));
  });
});

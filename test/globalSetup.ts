/**
 * Vitest global setup: build `dist/` once before the tests, so tests that
 * spawn the real `sluice` CLI (`bin/sluice.js` imports `dist/`) run the
 * current sources.
 */
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** Run `tsc -p tsconfig.build.json`; fail only when it wrote nothing. */
export default function setup(): void {
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  const result = spawnSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], { cwd: ROOT, encoding: "utf8" });
  if (result.status === 0) return;
  const output = `${result.stdout ?? ""}${result.stderr ?? ""}`.trim();
  // Exit status 2: type errors, but the files were written.
  if (result.status === 2) {
    console.warn(`globalSetup: tsc -p tsconfig.build.json reported errors (dist/ was still built):\n${output}`);
    return;
  }
  throw new Error(`globalSetup: building dist/ failed (tsc exit ${String(result.status)}):\n${output || String(result.error)}`);
}

/**
 * Vitest global setup: build `dist/` once before the tests, so tests that
 * spawn the real `sluice` CLI (`bin/sluice.js` imports `dist/`) run the
 * current sources. Also gives the run a temporary folder of its own
 * (`TMPDIR`, inherited by the test workers and the processes they spawn),
 * removed when the run ends: the tests' stores, outputs and fixtures would
 * otherwise pile up in the system's (gigabytes over many runs). Set
 * `SLUICE_KEEP_TMP=1` to keep it for a post-mortem; its path is printed.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** Build `dist/`, then point `TMPDIR` at a folder of this run's; the returned teardown removes it. */
export default function setup(): () => void {
  buildDist();
  const dir = mkdtempSync(join(tmpdir(), "sluice-test-run-"));
  // Open to every user, sticky, like /tmp: some tests run the CLI as another user (storeErrors.test.ts).
  chmodSync(dir, 0o1777);
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = dir;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    if (process.env.SLUICE_KEEP_TMP === "1") console.log(`globalSetup: the run's temporary files are kept in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  };
}

/** Run `tsc -p tsconfig.build.json`; fail only when it wrote nothing. */
function buildDist(): void {
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

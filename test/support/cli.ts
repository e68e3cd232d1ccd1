/**
 * Running the real `sluice` CLI: `node bin/sluice.js ...` on the built
 * package (`test/globalSetup.ts` builds `dist/` first), with an environment
 * free of the `SLUICE_*` variables the CLI reads.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository's root. */
export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
/** The `sluice` binary. */
export const BIN = join(ROOT, "bin", "sluice.js");

/** How a `sluice` process ended, and what it printed. */
export interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A `sluice` process still running. */
export interface Running {
  child: ChildProcess;
  /** Everything printed to stdout so far. */
  stdout: () => string;
  /** Everything printed to stderr so far. */
  stderr: () => string;
  /** Resolves when `text` has been printed to `stream` (default stdout). */
  printed: (text: string, stream?: "stdout" | "stderr") => Promise<void>;
  done: Promise<Result>;
}

/** Environment without the variables the CLI reads. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith("SLUICE_")) delete env[name];
  return { ...env, ...extra };
}

/** Start `node bin/sluice.js args` (from the repo root unless `cwd`), with a clean environment plus `env`. */
export function start(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Running {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? ROOT,
    env: cleanEnv(options.env),
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output = { stdout: "", stderr: "" };
  const waiters: { text: string; stream: keyof typeof output; resolve: () => void }[] = [];
  for (const stream of ["stdout", "stderr"] as const) {
    child[stream]!.setEncoding("utf8").on("data", (chunk: string) => {
      output[stream] += chunk;
      for (const w of waiters) if (w.stream === stream && output[stream].includes(w.text)) w.resolve();
    });
  }
  const done = new Promise<Result>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, ...output }));
  });
  const printed = (text: string, stream: keyof typeof output = "stdout"): Promise<void> =>
    new Promise((resolve, reject) => {
      if (output[stream].includes(text)) return resolve();
      waiters.push({ text, stream, resolve });
      void done.then(() => reject(new Error(`exited before printing ${JSON.stringify(text)} to ${stream}: ${output.stderr}`)));
    });
  return { child, stdout: () => output.stdout, stderr: () => output.stderr, printed, done };
}

/** Run `node bin/sluice.js args` to the end. */
export function sluice(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<Result> {
  return start(args, options).done;
}

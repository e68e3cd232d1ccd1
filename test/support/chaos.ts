/**
 * Shared by the crash tests: running a flow file with `sluice run` in a
 * real child process that may be SIGKILLed (and their seeded PRNG).
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export { prng } from "./prng.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const BIN = join(ROOT, "bin", "sluice.js");


/** How a run of `sluice run` ended. */
export interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/**
 * `sluice run <flow> <args...>` in a child process with `env` added; SIGKILL
 * it after `killAfterMs` if given.
 */
export function runFlowProcess(flow: string, args: readonly string[], env: Record<string, string>, killAfterMs?: number): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, "run", flow, ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
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

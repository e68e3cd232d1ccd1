/**
 * Shared by the crash tests: running a flow file with `sluice run` in a
 * real child process that may be SIGKILLed (and their seeded PRNG).
 */
import { spawn } from "node:child_process";
import { statSync } from "node:fs";
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
 * When to SIGKILL a run: a number of ms after it started, or `ms` after the
 * file `watch` (its output), once changed by the run, holds `size` bytes or
 * more: at a point of its progress, however long its start-up took on a
 * busy machine.
 */
export type KillAt =
  | number
  | { readonly watch: string; readonly size: number; readonly ms: number }
  /** `ms` after `ready()` (asked every 50 ms while the run lasts) first resolves `true`: for progress outside files. */
  | { readonly ready: () => Promise<boolean>; readonly ms: number };

const sizeOf = (path: string): number => statSync(path, { throwIfNoEntry: false })?.size ?? -1;

/**
 * `sluice run <flow> <args...>` in a child process with `env` added; SIGKILL
 * it at `killAt` if given.
 */
export function runFlowProcess(flow: string, args: readonly string[], env: Record<string, string>, killAt?: KillAt): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, "run", flow, ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const kill = (): boolean => child.kill("SIGKILL");
    let timer = typeof killAt === "number" ? setTimeout(kill, killAt) : undefined;
    let poll: NodeJS.Timeout | undefined;
    let exited = false;
    if (typeof killAt === "object" && "ready" in killAt) {
      const { ready, ms } = killAt;
      const ask = (): void => {
        if (exited) return;
        void ready().then(
          (yes) => (yes ? (timer = setTimeout(kill, ms)) : (poll = setTimeout(ask, 50))),
          () => (poll = setTimeout(ask, 50)),
        );
      };
      ask();
    } else if (typeof killAt === "object") {
      const { watch, size, ms } = killAt;
      const before = sizeOf(watch);
      let changed = false;
      poll = setInterval(() => {
        const now = sizeOf(watch);
        changed ||= now !== before;
        if (!changed || now < size) return;
        clearInterval(poll);
        timer = setTimeout(kill, ms);
      }, 10);
    }
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      exited = true;
      clearTimeout(timer);
      clearInterval(poll);
      resolve({ code, signal, stderr });
    });
  });
}

/**
 * The reference function server of the `sluice/functions` interoperability
 * tests: `test/functions/python/server.py`, the greeter functions on Apache
 * Flink Stateful Functions' own Python SDK (pinned by
 * `test/functions/python/setup.sh`), served over the remote request-reply
 * protocol on a free port of 127.0.0.1.
 *
 * The interpreter is `$STATEFUN_PYTHON` when set (CI points it at the root
 * checkout's venv), else `test/functions/python/.venv/bin/python`, installed
 * by running `setup.sh` the first time it is missing.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";

const PYTHON_DIR = fileURLToPath(new URL("../python", import.meta.url));
const SETUP = join(PYTHON_DIR, "setup.sh");
const SERVER = join(PYTHON_DIR, "server.py");
const VENV_PYTHON = join(PYTHON_DIR, ".venv", "bin", "python");

/** How long the server may take to print `READY <port>`. */
const READY_TIMEOUT_MS = 20_000;
/** How long `stop()` waits after SIGTERM before SIGKILL. */
const KILL_AFTER_MS = 2_000;
/** How much of the server's stderr is kept (the end of it). */
const STDERR_KEPT = 64 * 1024;

/** A running function server (`server.py`, unless `startPythonFunctions` was given another). */
export interface PythonFunctions {
  /** Its request-reply endpoint: `http://127.0.0.1:<port>/statefun`. */
  url: string;
  /** What it printed to stderr so far (the last 64 KiB): tracebacks of failed requests. */
  stderr: () => string;
  /** Stop it (SIGTERM, then SIGKILL after 2 s) and resolve once it has exited. Idempotent. */
  stop: () => Promise<void>;
}

let installed: string | undefined;

/** The Python with the pinned SDK; runs `setup.sh` (once per process) when the venv is missing. */
function python(): string {
  const given = process.env.STATEFUN_PYTHON;
  if (given) {
    if (!existsSync(given)) throw new Error(`STATEFUN_PYTHON is ${given}, which does not exist; unset it or run: bash ${SETUP}`);
    return given;
  }
  if (installed !== undefined || existsSync(VENV_PYTHON)) return (installed = VENV_PYTHON);
  const r = spawnSync("bash", [SETUP], { encoding: "utf8", timeout: 300_000 });
  if (r.status !== 0 || !existsSync(VENV_PYTHON)) {
    const why = r.error ? String(r.error) : `exit ${String(r.status ?? r.signal)}`;
    throw new Error(`installing the StateFun Python SDK failed (bash ${SETUP}: ${why}):\n${`${r.stdout}${r.stderr}`.trim()}`);
  }
  return (installed = VENV_PYTHON);
}

/** Servers still running, killed if this process exits without stopping them. */
const running = new Set<() => void>();
process.on("exit", () => {
  for (const kill of running) kill();
});

/**
 * Start `server.py` on a free port of 127.0.0.1 and wait until it listens.
 *
 * @param env - Added to this process's environment for the server:
 *   `REMINDER_DELAY_MS` (default 300) and `TTL_MS` (default 400).
 * @param server - Another function server to start instead (the greeter of
 *   `examples/functions/python/`), run the same way: `python SERVER 0`,
 *   printing `READY <port>` once it listens on `/statefun`.
 * @returns Its endpoint, its stderr so far, and `stop`.
 * @throws Error when the SDK cannot be installed, or the server exits or
 *   stays silent for 20 s before printing `READY <port>` (with its stderr).
 */
export async function startPythonFunctions(env: Record<string, string> = {}, server = SERVER): Promise<PythonFunctions> {
  const name = basename(server);
  const child = spawn(python(), [server, "0"], {
    env: { ...process.env, ...env, PYTHONUNBUFFERED: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stdout.setEncoding("utf8");
  child.stderr.setEncoding("utf8");
  // The pipes are read to the end: a full one would block the server.
  child.stderr.on("data", (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_KEPT);
  });
  let spawnError: Error | undefined;
  // "close", not "exit": its pipes are read to the end too (all its stderr).
  const exited = new Promise<void>((resolve) => {
    child.once("close", () => resolve());
    // A process that could not be started emits no "close".
    child.on("error", (err) => {
      spawnError ??= err;
      if (child.pid === undefined) resolve();
    });
  });
  const kill = (): void => void child.kill("SIGKILL");
  running.add(kill);
  void exited.then(() => running.delete(kill));

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      const alive = child.pid !== undefined && child.exitCode === null && child.signalCode === null;
      if (alive) child.kill("SIGTERM");
      const timer = alive ? setTimeout(kill, KILL_AFTER_MS) : undefined;
      await exited;
      clearTimeout(timer);
    })());

  const port = await new Promise<string>((resolve, reject) => {
    let stdout = "";
    const onData = (chunk: string): void => {
      stdout += chunk;
      const ready = /^READY (\d+)$/m.exec(stdout);
      if (ready !== null) settle(undefined, ready[1]);
    };
    const onExit = (): void =>
      settle(spawnError ? `could not be started: ${String(spawnError)}` : `exited (${String(child.exitCode ?? child.signalCode)}) before it was ready`);
    const timer = setTimeout(() => settle(`printed no READY line within ${READY_TIMEOUT_MS / 1000} s`), READY_TIMEOUT_MS);
    let settled = false;
    const settle = (why: string | undefined, found?: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.stdout.off("data", onData);
      // Drained from now on, unread.
      child.stdout.resume();
      if (why === undefined) return resolve(found!);
      void stop().then(() => reject(new Error(`${name} ${why}; its stderr:\n${stderr.trim()}`)));
    };
    child.stdout.on("data", onData);
    void exited.then(onExit);
  });
  return { url: `http://127.0.0.1:${port}/statefun`, stderr: () => stderr, stop };
}

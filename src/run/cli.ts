/**
 * The `sluice` command line: `sluice run <file>[:export]`,
 * `sluice visualize <file>[:export]`, `sluice recovery init <dir> <n>` and
 * `sluice recovery inspect <dir> [<file>[:export]]`, `sluice recovery verify <dir>`. `bin/sluice.js` calls {@link main}.
 *
 * @module
 */
import { mkdirSync, readFileSync } from "node:fs";
import { DataflowError } from "../errors.js";
import { toDot } from "../visualize/dot.js";
import { toHtml } from "../visualize/html.js";
import { toJson } from "../visualize/json.js";
import { toMermaid } from "../visualize/mermaid.js";
import { toSvg } from "../visualize/svg.js";
import type { Dataflow } from "../dataflow/dataflow.js";
import { CliError, parseCli, type CliCommand, type ClusterArgs, type FlowTarget, type ServeAddress, type VisualizeFormat } from "./internal/cliArgs.js";
import { loadFlow } from "./internal/loadFlow.js";
import { runMain } from "./runMain.js";
import { RecoveryConfig } from "../recovery/config.js";
import { initDbDir } from "../recovery/initDbDir.js";
import { inspectRecovery } from "../recovery/inspect.js";
import { formatVerifyReport, verifyRecovery } from "../recovery/verify.js";
import { formatRecoveryReport } from "../recovery/formatRecoveryReport.js";
import { stateStepIds } from "./internal/graph.js";
import { runWorkers } from "./internal/workers.js";
import { checkClusterOptions } from "../cluster/clusterOptions.js";
import { resolve as resolvePath } from "node:path";
import { RunLog } from "./internal/runLog.js";
import { StderrLog } from "../internal/stderrLog.js";
import { describeFsError } from "../internal/fsErrors.js";

/** Exit code after a stop by each signal: 128 + the signal number. */
const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;

type StopSignal = keyof typeof SIGNAL_EXIT_CODES;

/**
 * Exit code when stdout was closed by its reader (EPIPE, `sluice run … | head`):
 * 128 + SIGPIPE (13), what a shell reports for `cat` or `grep` killed by
 * SIGPIPE in the same place. Node ignores SIGPIPE, so it is set, not received.
 */
const BROKEN_PIPE_EXIT_CODE = 141;

/** How stdout failed, once it did; set by the listener {@link watchStdout} installs. */
const stdoutState: { failure: Error | undefined; onFailure: (() => void) | undefined } = { failure: undefined, onFailure: undefined };
let watchingStdout = false;

/**
 * Listen for stdout failing, for the life of the process: without a
 * listener, an EPIPE (the reader of a pipe exited) is an uncaught exception.
 */
function watchStdout(): void {
  if (watchingStdout) return;
  watchingStdout = true;
  process.stdout.on("error", (err: Error) => {
    if (stdoutState.failure !== undefined) return;
    stdoutState.failure = err;
    stdoutState.onFailure?.();
  });
}

/**
 * Whether `err` comes from the failure of stdout: it or one of its causes is
 * `failure`, or an EPIPE (from a worker thread, errors arrive as copies).
 */
function fromStdout(err: unknown, failure: Error): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 10; e = e.cause, depth++) {
    if (e === failure || (e as NodeJS.ErrnoException).code === "EPIPE") return true;
  }
  return false;
}

/**
 * Run the `sluice` command line and say how it ended.
 *
 * Writes results to stdout and messages to stderr; never calls
 * `process.exit`, except on a second SIGINT/SIGTERM during a run, which exits
 * at once. The caller sets `process.exitCode` from the result.
 *
 * @param argv - The arguments after `sluice` (`process.argv.slice(2)`).
 * @returns The exit code: 0 done, 1 the flow failed (its module included)
 *   or a recovery directory cannot be used, 2 bad command line or flow target, 130/143 the run was stopped by
 *   SIGINT/SIGTERM, 141 stdout was closed by its reader (the run is stopped
 *   quietly).
 * @category Running
 * @internal
 * @example
 * ```ts
 * process.exitCode = await main(["run", "flow.ts", "-s", "0"]);
 * ```
 */
export async function main(argv: readonly string[]): Promise<number> {
  watchStdout();
  let command: CliCommand;
  try {
    command = parseCli(argv, process.env);
  } catch (err) {
    return report(err, undefined, true);
  }
  try {
    return await execute(command);
  } catch (err) {
    return report(err, commandName(command), false);
  }
}

/** The command as the user typed it, for messages. */
function commandName(command: CliCommand): string {
  if (command.kind === "recoveryInit") return "recovery init";
  if (command.kind === "recoveryVerify") return "recovery verify";
  return command.kind === "recoveryInspect" ? "recovery inspect" : command.kind;
}

async function execute(command: CliCommand): Promise<number> {
  switch (command.kind) {
    case "help":
      process.stdout.write(command.text);
      return 0;
    case "version":
      process.stdout.write(`${version()}\n`);
      return 0;
    case "visualize": {
      const flow = await loadFlow(command.target);
      const text = await picture(flow, command.format);
      process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
      return 0;
    }
    case "run":
      // Progress logs and their format are read from the environment, which worker threads inherit.
      if (command.verbose === true) process.env.SLUICE_LOG = "info";
      if (command.logFormat !== undefined) process.env.SLUICE_LOG_FORMAT = command.logFormat;
      return run(command.target, command.epochInterval, command.recovery, command.workers, command.channelCapacity, {
        metrics: command.metrics,
        dashboard: command.dashboard,
      }, command.cluster);
    case "recoveryInit": {
      // Asked to initialise it: create it (unlike initDbDir, which wants an existing directory).
      try {
        mkdirSync(command.dir, { recursive: true });
      } catch (err) {
        // EEXIST: a file is in the way, which initDbDir reports.
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") {
          throw new CliError(`cannot create recovery directory '${command.dir}': ${describeFsError(err)}`, { exitCode: 1 });
        }
      }
      initDbDir(command.dir, command.partitions);
      const n = command.partitions;
      process.stdout.write(`created ${n} recovery partition${n === 1 ? "" : "s"} in ${command.dir}\n`);
      return 0;
    }
    case "recoveryInspect": {
      const flow = command.target === undefined ? undefined : await loadFlow(command.target);
      const report = inspectRecovery(command.dir, flow === undefined ? undefined : { flowId: flow.flowId, stepIds: stateStepIds(flow) });
      process.stdout.write(command.json ? `${JSON.stringify(report, null, 2)}\n` : formatRecoveryReport(report));
      // Warnings are information: the directory was read (RECOVERY_HELP says so).
      return 0;
    }
    case "recoveryVerify": {
      const report = verifyRecovery(command.dir);
      process.stdout.write(formatVerifyReport(report));
      return report.findings.length === 0 ? 0 : 1;
    }
  }
}

/** The picture of `flow` that `sluice visualize -o <format>` prints. */
async function picture(flow: Dataflow, format: VisualizeFormat): Promise<string> {
  switch (format) {
    case "mermaid":
      return toMermaid(flow);
    case "json":
      return toJson(flow);
    case "dot":
      return toDot(flow);
    case "svg":
      return toSvg(flow);
    case "html":
      return toHtml(flow);
  }
}

/**
 * Run the flow, stopping it cleanly on the first SIGINT/SIGTERM, or when
 * stdout fails (its reader went away), which ends the run quietly like `cat`.
 */
async function run(
  target: FlowTarget,
  epochInterval: number,
  recoveryArgs: { dir: string; backupInterval: number } | undefined,
  workers: number,
  channelCapacity: number | undefined,
  ops: { metrics?: ServeAddress | undefined; dashboard?: ServeAddress | undefined },
  cluster?: ClusterArgs,
): Promise<number> {
  const recovery =
    recoveryArgs === undefined ? undefined : new RecoveryConfig(recoveryArgs.dir, { backupInterval: recoveryArgs.backupInterval });
  // Several workers: each imports the module itself; load it here first so a
  // bad file or export is reported like with one worker.
  const flow = await loadFlow(target);
  const controller = new AbortController();
  let stoppedBy: StopSignal | undefined;
  const onSignal = (signal: StopSignal): void => {
    if (stoppedBy !== undefined) process.exit(SIGNAL_EXIT_CODES[signal]);
    stoppedBy = signal;
    StderrLog.fromEnv().warn(`${signal} received, stopping the run (send it again to exit at once)`, { event: "signal", signal });
    controller.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  stdoutState.onFailure = () => controller.abort();
  if (stdoutState.failure !== undefined) controller.abort();
  try {
    const serve = { ...(ops.metrics === undefined ? {} : { metrics: ops.metrics }), ...(ops.dashboard === undefined ? {} : { dashboard: ops.dashboard }) };
    if (cluster !== undefined) {
      if (ops.metrics !== undefined || ops.dashboard !== undefined) {
        throw new CliError("--metrics-port and --dashboard are not served by a cluster process yet", { command: "run" });
      }
      // Loaded only for a cluster: it brings kafkajs, which a flow without Kafka never needs.
      const { runCluster } = await import("../cluster/internal/clusterRun.js");
      await runCluster(resolvePath(target.file), target.exportName, { cluster: checkClusterOptions(cluster), workers, epochInterval, signal: controller.signal });
    } else if (workers === 1) await runMain(flow, { epochInterval, signal: controller.signal, recovery, channelCapacity, ...serve });
    else {
      await runWorkers(resolvePath(target.file), target.exportName, { workers, epochInterval, recovery, signal: controller.signal, channelCapacity, ops: serve });
    }
  } catch (err) {
    // A write to the closed stdout failed (a StdOutSink's, or the workers' output): the stop asked for.
    if (stdoutState.failure === undefined || !fromStdout(err, stdoutState.failure)) throw err;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    stdoutState.onFailure = undefined;
  }
  if (stdoutState.failure !== undefined) return stdoutFailed(stdoutState.failure);
  return stoppedBy === undefined ? 0 : SIGNAL_EXIT_CODES[stoppedBy];
}

/**
 * The exit code once stdout failed: a closed pipe (EPIPE) is the normal way
 * for a reader to say it has enough, so it is silent; anything else (a full
 * disk under `> file`) is a failure to report.
 */
function stdoutFailed(err: Error): number {
  if ((err as NodeJS.ErrnoException).code === "EPIPE") {
    if (RunLog.fromEnv() !== undefined) StderrLog.fromEnv().info("standard output was closed (EPIPE), run stopped", { event: "stdout_closed" });
    return BROKEN_PIPE_EXIT_CODE;
  }
  StderrLog.fromEnv().log({
    level: "error",
    command: "run",
    msg: `cannot write to standard output: ${describeFsError(err)}; run stopped`,
    fields: { event: "stdout_failed", code: (err as NodeJS.ErrnoException).code },
  });
  return 1;
}

/**
 * Print a failure the way the user needs it and pick the exit code. In
 * JSON, the lines the text form adds (usage hint, stack trace) are the
 * fields `hint` and `stack`.
 */
function report(err: unknown, commandName: string | undefined, usageHint: boolean): number {
  const log = StderrLog.fromEnv();
  if (err instanceof CliError) {
    const command = err.command ?? commandName;
    const hint = usageHint ? `Run 'sluice ${command === undefined ? "" : `${command} `}--help' for usage.` : undefined;
    const stack = err.cause === undefined ? undefined : stackOf(err.cause);
    log.log({
      level: "error",
      command,
      msg: err.message,
      fields: { event: "error", error: err.name, exitCode: err.exitCode, hint, stack },
      more: [hint, stack].filter((line) => line !== undefined),
    });
    return err.exitCode;
  }
  if (err instanceof DataflowError) {
    const stack = isDebug() ? (err.cause === undefined ? stackOf(err) : `Caused by: ${stackOf(err.cause)}`) : undefined;
    const hint = !isDebug() && err.cause !== undefined ? "set SLUICE_DEBUG=1 to print the stack trace of the cause" : undefined;
    log.log({
      level: "error",
      command: commandName,
      msg: `${err.name}: ${err.message}`,
      fields: { event: "error", error: err.name, ...contextOf(err), exitCode: 1, hint, stack },
      more: [stack ?? (hint === undefined ? undefined : `(${hint})`)].filter((line) => line !== undefined),
    });
    return 1;
  }
  const [first, ...rest] = stackOf(err).split("\n");
  log.log({
    level: "error",
    command: commandName,
    msg: first,
    fields: { event: "error", error: err instanceof Error ? err.name : typeof err, exitCode: 1, stack: rest.length === 0 ? undefined : stackOf(err) },
    more: rest,
  });
  return 1;
}

/** The fields a Sluice error carries besides its message (a `StepError`'s `stepId`, `key`, `epoch` …). */
function contextOf(err: DataflowError): Record<string, string | number | boolean> {
  const fields: Record<string, string | number | boolean> = {};
  for (const [name, value] of Object.entries(err)) {
    if (name === "name" || name === "message") continue;
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") fields[name] = value;
  }
  return fields;
}

function stackOf(err: unknown): string {
  if (err instanceof Error) return err.stack ?? `${err.name}: ${err.message}`;
  return String(err);
}

function isDebug(): boolean {
  const value = process.env.SLUICE_DEBUG;
  return value !== undefined && value !== "" && value !== "0";
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

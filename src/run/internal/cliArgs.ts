/**
 * Parsing the `sluice` command line into a {@link CliCommand}, and the help
 * texts. Pure: no I/O besides reading the given environment.
 *
 * @module
 * @internal
 */
import { parseArgs } from "node:util";

/** @internal Where a flow lives: a module file and the export naming the flow. */
export interface FlowTarget {
  /** The module's path, as given on the command line. */
  readonly file: string;
  /** The export holding the flow (default `"flow"`). */
  readonly exportName: string;
}

/** @internal A port to serve on, and the host when one was named. */
export interface ServeAddress {
  readonly port: number;
  readonly host?: string;
}

/** @internal What the command line asks for. */
export type CliCommand =
  | { readonly kind: "help"; readonly text: string }
  | { readonly kind: "version" }
  | {
      readonly kind: "run";
      readonly target: FlowTarget;
      readonly epochInterval: number;
      /** Worker threads (`-w`). */
      readonly workers: number;
      /** With `-r`: the recovery directory and backup interval (ms). */
      readonly recovery?: { readonly dir: string; readonly backupInterval: number };
      /** `-v`: print progress (start, every epoch, end) to stderr. */
      readonly verbose?: boolean;
      /** `--metrics-port [HOST:]PORT`: serve Prometheus metrics. */
      readonly metrics?: ServeAddress;
      /** `--dashboard [HOST:]PORT`: serve the live dashboard. */
      readonly dashboard?: ServeAddress;
      /** `--log-format` (or `SLUICE_LOG_FORMAT`): how Sluice's lines on stderr are written. */
      readonly logFormat?: LogFormat;
      /** `--channel-capacity` (or `SLUICE_CHANNEL_CAPACITY`): items a channel between two workers holds at most. */
      readonly channelCapacity?: number;
      /** `--application-id` and `--bootstrap-servers`: this process is one of a cluster application's. */
      readonly cluster?: ClusterArgs;
    }
  | { readonly kind: "recoveryInit"; readonly dir: string; readonly partitions: number }
  | { readonly kind: "recoveryVerify"; readonly dir: string }
  | {
      readonly kind: "recoveryInspect";
      readonly dir: string;
      /** A flow to compare the stored steps with. */
      readonly target?: FlowTarget;
      /** `--json`: print the report as one JSON object. */
      readonly json: boolean;
    }
  | { readonly kind: "visualize"; readonly target: FlowTarget; readonly format: VisualizeFormat };

/** @internal A cluster process's options from the command line (`cluster` of `cliMain`). */
export interface ClusterArgs {
  readonly applicationId: string;
  readonly brokers: string[];
  /** `--process I/N`: a static assignment; without it the consumer group shares the tasks. */
  readonly process?: number;
  readonly processes?: number;
  readonly partitions?: number;
  /** `--state-dir`: where tasks keep their local cache. */
  readonly stateDir?: string;
}

/** @internal What `sluice visualize -o` prints. */
export type VisualizeFormat = (typeof VISUALIZE_FORMATS)[number];

/** The formats of `sluice visualize -o`, the default first. */
const VISUALIZE_FORMATS = ["mermaid", "json", "dot", "svg", "html"] as const;

import { CliError } from "../../errors.js";
import { LOG_FORMATS, type LogFormat } from "../../internal/stderrLog.js";

export { CliError };

/** Default name of the export holding the flow. */
export const DEFAULT_EXPORT = "flow";

/** The commands, for messages. */
const COMMANDS = "'run', 'visualize' or 'recovery'";

/** Default epoch length of `sluice run`, in seconds. */
const DEFAULT_SNAPSHOT_INTERVAL = 10;

const TARGET_HELP = `<file> is a .ts or .js module (.ts runs without a build step); <export>
names the export holding the flow (default "flow"): a Dataflow, or a
function (sync or async) returning one.`;

const EXIT_HELP = `Exit codes:
  0        done
  1        the flow failed, or its file threw or did not compile while loading,
           or a recovery directory cannot be used (missing, not initialised,
           a partition file unreadable or not a recovery file)
  2        bad command line or flow target (no such file or export, not a flow)
  130/143  stopped by SIGINT/SIGTERM
  141      stdout was closed by its reader ('| head -3' had its lines): the
           run stopped without a message, and exits as a shell reports 'cat'
           or 'grep' killed by SIGPIPE (so 'set -o pipefail' treats it alike)`;

/** @internal `sluice --help`. */
export const MAIN_HELP = `Usage: sluice <command> [options]

Commands:
  run <file>[:export]         Run a dataflow until its inputs end
  visualize <file>[:export]   Print a diagram of a dataflow's steps
  recovery init <dir> <n>     Create a recovery directory of n partitions
  recovery inspect <dir> [<file>[:export]]
                              Show what a recovery directory holds; with a
                              flow, warn about state the flow would ignore
  recovery verify <dir>       Check every stored row against its checksum,
                              and the partitions against each other

Options:
  -h, --help      Show this help; 'sluice <command> --help' for a command
  -V, --version   Print the version

${TARGET_HELP}

${EXIT_HELP}
`;

/** @internal `sluice run --help`. */
export const RUN_HELP = `Usage: sluice run <file>[:export] [options]

Run a dataflow in this process until every input ends.
SIGINT (Ctrl-C) or SIGTERM stops the run cleanly between two batches and
exits with 130 or 143; items waiting between workers are dropped, not
processed (a run with -r replays them from the last commit); a second signal
exits at once. When stdout is closed
by its reader ('sluice run flow.ts | head -3'), the run stops the same way,
without a message, and exits with 141.

${TARGET_HELP}

Options:
  -s, --snapshot-interval SECONDS
                  Length of an epoch in seconds, fractions allowed (default
                  ${DEFAULT_SNAPSHOT_INTERVAL}). 0 makes every source batch its own epoch.
  -w, --workers N Run on N worker threads (default 1): keyed state is spread
                  over them by key, each source or sink partition is read or
                  written by one of them.
  -r, --recovery-directory DIR
                  Snapshot state to this recovery directory (made by
                  'sluice recovery init') and resume from it. Requires -s and -b.
  -b, --backup-interval SECONDS
                  Keep superseded snapshots this long, so a partition restored
                  from a backup at most this old still resumes (with -r).
  -v, --verbose   Print progress to stderr: the start (and where a recovered
                  run resumes), every epoch (items read, rate, states stored)
                  and the end.
  --metrics-port [HOST:]PORT
                  Serve Prometheus metrics at http://HOST:PORT/metrics while
                  the run lasts (HOST defaults to 127.0.0.1; PORT 0 picks a
                  free port; the address is printed on stderr).
  --channel-capacity N
                  Flow control between workers (with -w 2 or more): the most
                  items waiting on a channel from one worker to another, per
                  exchange (default 10000). A worker whose channel is full
                  stops reading its sources until the receiver catches up,
                  so memory stays flat when one worker is slower.
  --dashboard [HOST:]PORT
                  Serve the live dashboard at http://HOST:PORT/: the dataflow
                  with each step's throughput, epochs and commits, workers'
                  load, source lag and errors (it serves /metrics too).
  --application-id ID
                  Run as a process of the cluster application ID, which
                  shares the flow with its other processes through Kafka
                  (see docs/cluster.md); needs --bootstrap-servers.
  --bootstrap-servers HOST:PORT[,HOST:PORT...]
                  The Kafka brokers of the cluster application.
  --process I/N   A static assignment: this process is number I (from 0) of
                  the application's N processes and runs the tasks p with
                  p % N == I. Without it, the processes share the tasks
                  through the Kafka consumer group ID: they may join, leave
                  or die, and the tasks move. Either way a process spreads
                  its tasks over its -w worker threads.
  --partitions N  The application's task count, when its topics are first
                  created (default: the most partitions of its Kafka inputs).
  --state-dir DIR Each task keeps a local cache of its state in DIR (SQLite),
                  so a task that starts again here reads only the end of its
                  changelog.
  --log-format FORMAT
                  How Sluice writes its lines on stderr (progress, warnings,
                  failures): text (default, 'sluice: ...') or json (one
                  object a line: time, level, msg and fields such as event,
                  epoch, items, rate).
  -h, --help      Show this help

Environment:
  SLUICE_LOG                 Set (to anything but 0/off/false) to print progress
                             as -v does; also for runMain and cliMain
  SLUICE_LOG_FORMAT          Default of --log-format; also for runMain, cliMain
                             and the other commands
  SLUICE_SNAPSHOT_INTERVAL   Default of --snapshot-interval
  SLUICE_WORKERS             Default of --workers
  SLUICE_RECOVERY_DIRECTORY  Default of --recovery-directory
  SLUICE_BACKUP_INTERVAL     Default of --backup-interval
  SLUICE_METRICS_PORT        Default of --metrics-port
  SLUICE_DASHBOARD_PORT      Default of --dashboard
  SLUICE_CHANNEL_CAPACITY    Default of --channel-capacity
  SLUICE_APPLICATION_ID      Default of --application-id
  SLUICE_BOOTSTRAP_SERVERS   Default of --bootstrap-servers
  SLUICE_PROCESS             Default of --process
  SLUICE_PARTITIONS          Default of --partitions
  SLUICE_STATE_DIR           Default of --state-dir
  SLUICE_DEBUG               Set to print the stack trace of a failure

${EXIT_HELP}
`;

/** @internal `sluice visualize --help`. */
export const VISUALIZE_HELP = `Usage: sluice visualize <file>[:export] [options]

Print a picture of a dataflow to stdout, without running it: its top-level
steps as a Mermaid flowchart, a Graphviz graph, an SVG image or an HTML page,
or its whole step tree (with the steps inside each operator) as JSON.

${TARGET_HELP}

Options:
  -o, --output FORMAT   One of:
                          mermaid  a Mermaid flowchart (default)
                          json     the step tree, as JSON
                          dot      a Graphviz DOT graph
                          svg      an SVG image, laid out by Graphviz (built
                                   in: no 'dot' command needed)
                          html     a self-contained HTML page showing the SVG
  -h, --help            Show this help

Example: sluice visualize flow.ts -o html > flow.html
`;

/** @internal `sluice recovery --help`. */
export const RECOVERY_HELP = `Usage: sluice recovery init <dir> <partitions>
       sluice recovery inspect <dir> [<file>[:export]] [--json]
       sluice recovery verify <dir>

init: create the SQLite partitions (part-0.sqlite3 ...) of a recovery
directory, creating the directory (and its parents) if needed. A directory
that already has partitions is left alone and reported (exit code 1): resume
from it with 'sluice run -r', or delete its part-*.sqlite3* files to start
over. The partition count is fixed from then on; the number of workers may
change between runs.

inspect: print what a recovery directory holds: each partition file (size,
last committed epoch and when), the executions (runs) that used it, the epoch
a run started now resumes at, and per stored step the keys a run would
restore and their bytes. Files are opened read-only, so it is safe on a
directory a run is using. A directory a run would refuse (missing partitions,
partitions of another directory) is reported as warnings.
With a flow (<file>[:export], loaded as 'sluice run' does), it also warns
about every stored step with keys that the flow has no step for (a renamed
step starts empty: its old state is ignored).
Exit code 0 whenever the directory could be read, warnings or not (the last
line counts them: 'no warnings', '1 warning', ...; scripts read 'warnings'
of --json); 1 when the directory does not exist, has no partitions, or a
partition file cannot be read or is not a recovery file (and, as for 'sluice
run', when the flow file fails to load); 2 for a bad command line or flow
target.

verify: check every stored row (each snapshot, each epoch's progress) against
the checksum written with it, and the partitions against each other (all
there, of one directory, none restored from too old a backup). Read-only,
like inspect. Exit code 0 when the directory is clean; 1 with the findings
on stdout, one a line, each naming its partition file (a damaged snapshot
names its step, key and epoch; a file that cannot be read or is not a
recovery file, or of an older schema without checksums, is a finding too),
or when the directory does not exist or has no partitions.

Options:
  --json          Print one JSON object instead of text:
                    { directory, schemaVersion, partitionCount, createdAt,
                      resumeEpoch, lastCommit: { epoch, at } | null,
                      partitions: [{ index, file, bytes, walBytes,
                        lastCommit: { epoch, at } | null, resumeEpoch, gcEpoch }],
                      executions: [{ number, workers, resumeEpoch, startedAt,
                        frontier }],
                      steps: [{ stepId, keys, bytes, snapshots, snapshotBytes }],
                      flow: { flowId, stepIds } | null,
                      warnings: [string] }
                  Times are ISO 8601 strings (commit times on the run's clock);
                  'frontier' is the first epoch an execution did not commit;
                  'keys' and 'bytes' count each key's newest snapshot before
                  the resume epoch, 'snapshots' every stored row.
  -h, --help      Show this help
`;

/**
 * @internal Parse `argv` (the arguments after `sluice`).
 *
 * @param argv - Command-line arguments, without `node` and the script.
 * @param env - Environment, for `SLUICE_SNAPSHOT_INTERVAL`.
 * @returns The command to carry out.
 * @throws {@link CliError} (exit code 2) for a bad command line.
 */
export function parseCli(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): CliCommand {
  const [first, ...rest] = argv;
  switch (first) {
    case undefined:
      throw new CliError(`missing command: expected ${COMMANDS}`);
    case "-h":
    case "--help":
    case "help":
      return helpFor(first === "help" ? rest[0] : undefined);
    case "-V":
    case "--version":
      return { kind: "version" };
    case "run":
      return parseRun(rest, env);
    case "visualize":
      return parseVisualize(rest);
    case "recovery":
      return parseRecovery(rest);
    default:
      if (first.startsWith("-")) throw new CliError(`unknown option '${first}' (options go after the command)`);
      throw new CliError(`unknown command '${first}': expected ${COMMANDS}`);
  }
}

function helpFor(topic: string | undefined): CliCommand {
  switch (topic) {
    case undefined:
      return { kind: "help", text: MAIN_HELP };
    case "run":
      return { kind: "help", text: RUN_HELP };
    case "visualize":
      return { kind: "help", text: VISUALIZE_HELP };
    case "recovery":
      return { kind: "help", text: RECOVERY_HELP };
    default:
      throw new CliError(`unknown command '${topic}': expected ${COMMANDS}`);
  }
}

function parseRun(args: readonly string[], env: Readonly<Record<string, string | undefined>>): CliCommand {
  const options: OptionSpec = {
    "snapshot-interval": { type: "string", short: "s" },
    "recovery-directory": { type: "string", short: "r" },
    workers: { type: "string", short: "w" },
    "backup-interval": { type: "string", short: "b" },
    verbose: { type: "boolean", short: "v" },
    "metrics-port": { type: "string" },
    dashboard: { type: "string" },
    "log-format": { type: "string" },
    "channel-capacity": { type: "string" },
    "application-id": { type: "string" },
    "bootstrap-servers": { type: "string" },
    process: { type: "string" },
    partitions: { type: "string" },
    "state-dir": { type: "string" },
    help: { type: "boolean", short: "h" },
  };
  const { values, positionals } = parseCommand("run", args, options);
  if (values.help === true) return { kind: "help", text: RUN_HELP };
  const serve = (flag: string, envName: string): ServeAddress | undefined => {
    const fromFlag = values[flag];
    const given = typeof fromFlag === "string" ? { text: fromFlag, what: `option '--${flag}'` } : undefined;
    const fromEnv = env[envName];
    const arg = given ?? (fromEnv !== undefined && fromEnv.trim() !== "" ? { text: fromEnv, what: envName } : undefined);
    return arg === undefined ? undefined : parseServeAddress(arg.text, arg.what);
  };
  const metrics = serve("metrics-port", "SLUICE_METRICS_PORT");
  const dashboard = serve("dashboard", "SLUICE_DASHBOARD_PORT");
  const target = parseFlowTarget(onePositional("run", positionals), "run");
  const pick = (flag: string, envName: string): { text: string; what: string } | undefined => {
    const fromFlag = values[flag];
    const short = options[flag].short;
    if (typeof fromFlag === "string") return { text: fromFlag, what: `option '${short === undefined ? "" : `-${short}, `}--${flag}'` };
    const fromEnv = env[envName];
    return fromEnv !== undefined && fromEnv.trim() !== "" ? { text: fromEnv, what: envName } : undefined;
  };
  const snapshot = pick("snapshot-interval", "SLUICE_SNAPSHOT_INTERVAL");
  const dir = pick("recovery-directory", "SLUICE_RECOVERY_DIRECTORY");
  const backup = pick("backup-interval", "SLUICE_BACKUP_INTERVAL");
  const workersArg = pick("workers", "SLUICE_WORKERS");
  const formatArg = pick("log-format", "SLUICE_LOG_FORMAT");
  const capacityArg = pick("channel-capacity", "SLUICE_CHANNEL_CAPACITY");
  const channelCapacity = capacityArg === undefined ? undefined : capacityArg.text.trim() === "" ? NaN : Number(capacityArg.text);
  if (channelCapacity !== undefined && (!Number.isSafeInteger(channelCapacity) || channelCapacity < 1)) {
    throw new CliError(`${capacityArg!.what} must be a positive integer (items per channel between two workers); got '${capacityArg!.text}'`, {
      command: "run",
    });
  }
  const logFormat = formatArg?.text.trim().toLowerCase();
  if (formatArg !== undefined && !LOG_FORMATS.includes(logFormat as LogFormat)) {
    throw new CliError(`${formatArg.what} must be 'text' or 'json'; got '${formatArg.text}'`, { command: "run" });
  }
  const optionalFields = {
    ...(values.verbose === true ? { verbose: true } : {}),
    ...(logFormat === undefined ? {} : { logFormat: logFormat as LogFormat }),
    ...(metrics === undefined ? {} : { metrics }),
    ...(dashboard === undefined ? {} : { dashboard }),
    ...(channelCapacity === undefined ? {} : { channelCapacity }),
    ...clusterArgs(pick),
  };
  const workers = workersArg === undefined ? 1 : Number(workersArg.text);
  if (!Number.isInteger(workers) || workers < 1) {
    throw new CliError(`${workersArg!.what} must be a positive integer; got '${workersArg!.text}'`, { command: "run" });
  }
  if (optionalFields.cluster !== undefined && dir !== undefined) {
    throw new CliError(`${dir.what} cannot be used with --application-id: a cluster application keeps its state in Kafka (its changelog topic)`, {
      command: "run",
    });
  }
  if (dir === undefined) {
    if (backup !== undefined) throw new CliError(`${backup.what} needs a recovery directory (-r DIR)`, { command: "run" });
    const seconds = snapshot === undefined ? DEFAULT_SNAPSHOT_INTERVAL : parseSeconds(snapshot.text, snapshot.what);
    return { kind: "run", target, workers, epochInterval: seconds * 1000, ...optionalFields };
  }
  if (snapshot === undefined || backup === undefined) {
    throw new CliError(
      "with a recovery directory (-r), both the snapshot interval (-s SECONDS) and the backup interval " +
        "(-b SECONDS) are required: they decide how much work a crash replays and how long old snapshots are kept",
      { command: "run" },
    );
  }
  return {
    kind: "run",
    target,
    workers,
    epochInterval: parseSeconds(snapshot.text, snapshot.what) * 1000,
    recovery: { dir: dir.text, backupInterval: parseSeconds(backup.text, backup.what) * 1000 },
    ...optionalFields,
  };
}

function parseRecovery(args: readonly string[]): CliCommand {
  const { values, positionals } = parseCommand("recovery", args, { help: { type: "boolean", short: "h" }, json: { type: "boolean" } });
  if (values.help === true || positionals.length === 0) {
    if (values.help === true) return { kind: "help", text: RECOVERY_HELP };
    throw new CliError("missing subcommand: 'init', 'inspect' or 'verify'", { command: "recovery" });
  }
  const [sub, dir, count, ...extra] = positionals;
  if (sub === "inspect") return parseRecoveryInspect(positionals.slice(1), values.json === true);
  if (sub !== "init" && sub !== "verify") {
    throw new CliError(`unknown subcommand '${sub}': expected 'init', 'inspect' or 'verify'`, { command: "recovery" });
  }
  if (values.json === true) throw new CliError("option '--json' is for 'sluice recovery inspect' only", { command: "recovery" });
  if (sub === "verify") {
    if (dir === undefined) throw new CliError("usage: sluice recovery verify <dir>", { command: "recovery" });
    if (count !== undefined) throw new CliError(`unexpected argument '${count}'`, { command: "recovery" });
    return { kind: "recoveryVerify", dir };
  }
  if (dir === undefined || count === undefined) {
    throw new CliError("usage: sluice recovery init <dir> <partitions>", { command: "recovery" });
  }
  if (extra.length > 0) throw new CliError(`unexpected argument '${extra[0]}'`, { command: "recovery" });
  const partitions = Number(count);
  if (!Number.isInteger(partitions) || partitions < 1) {
    throw new CliError(`the partition count must be a positive integer; got '${count}'`, { command: "recovery" });
  }
  return { kind: "recoveryInit", dir, partitions };
}

function parseRecoveryInspect(args: readonly string[], json: boolean): CliCommand {
  const [dir, flow, ...extra] = args;
  if (dir === undefined) throw new CliError("usage: sluice recovery inspect <dir> [<file>[:export]] [--json]", { command: "recovery" });
  if (extra.length > 0) throw new CliError(`unexpected argument '${extra[0]}'`, { command: "recovery" });
  const target = flow === undefined ? {} : { target: parseFlowTarget(flow, "recovery") };
  return { kind: "recoveryInspect", dir, json, ...target };
}

function parseVisualize(args: readonly string[]): CliCommand {
  const { values, positionals } = parseCommand("visualize", args, {
    output: { type: "string", short: "o" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help === true) return { kind: "help", text: VISUALIZE_HELP };
  const target = parseFlowTarget(onePositional("visualize", positionals), "visualize");
  const format = values.output ?? VISUALIZE_FORMATS[0];
  if (!isVisualizeFormat(format)) {
    const names = VISUALIZE_FORMATS.map((f) => `'${f}'`);
    throw new CliError(`option '-o, --output' must be ${names.slice(0, -1).join(", ")} or ${names.at(-1)}; got '${String(format)}'`, {
      command: "visualize",
    });
  }
  return { kind: "visualize", target, format };
}

function isVisualizeFormat(format: unknown): format is VisualizeFormat {
  return (VISUALIZE_FORMATS as readonly unknown[]).includes(format);
}

type OptionSpec = Record<string, { type: "string" | "boolean"; short?: string }>;

function parseCommand(
  command: string,
  args: readonly string[],
  options: OptionSpec,
): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  try {
    return parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    const message = err instanceof Error ? err.message : String(err);
    if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
      const option = /'([^']+)'/.exec(message)?.[1] ?? message;
      throw new CliError(`unknown option '${option}'`, { command });
    }
    if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
      throw new CliError(message.charAt(0).toLowerCase() + message.slice(1), { command });
    }
    throw err;
  }
}

function onePositional(command: string, positionals: readonly string[]): string {
  if (positionals.length === 0) throw new CliError(`missing flow file: sluice ${command} <file>[:export]`, { command });
  if (positionals.length > 1) throw new CliError(`unexpected argument '${positionals[1]}'`, { command });
  return positionals[0];
}

/**
 * @internal Split `"<file>[:export]"`. The part after the last `:` is the
 * export name when it is an identifier, so Windows drive letters and file
 * names with a `:` keep working.
 *
 * @param spec - The argument as given.
 * @param command - The command, for error messages.
 * @returns The file and the export name (default `"flow"`).
 * @throws {@link CliError} for an empty file or export name.
 */
export function parseFlowTarget(spec: string, command = "run"): FlowTarget {
  const colon = spec.lastIndexOf(":");
  let file = spec;
  let exportName = DEFAULT_EXPORT;
  if (colon === spec.length - 1) {
    throw new CliError(`empty export name in '${spec}': write <file>:<export> or just <file>`, { command });
  }
  if (colon >= 0 && /^[A-Za-z_$][\w$]*$/.test(spec.slice(colon + 1))) {
    file = spec.slice(0, colon);
    exportName = spec.slice(colon + 1);
  }
  if (file === "") throw new CliError(`missing flow file in '${spec}'`, { command });
  return { file, exportName };
}

/** `[HOST:]PORT`, e.g. `9464`, `0.0.0.0:9464` or `[::1]:9464`. */
function parseServeAddress(text: string, what: string): ServeAddress {
  const m = /^(?:(\[[^\]]+\]|[^:]+):)?(\d+)$/.exec(text.trim());
  const port = m === null ? NaN : Number(m[2]);
  if (m === null || port > 65535) {
    throw new CliError(`${what} must be a port (0-65535) or HOST:PORT; got '${text}'`, { command: "run" });
  }
  const host = m[1]?.replace(/^\[(.*)\]$/, "$1");
  return host === undefined ? { port } : { port, host };
}

function parseSeconds(text: string, what: string): number {
  // what: the option or environment variable the text came from.
  const value = text.trim() === "" ? NaN : Number(text);
  if (!Number.isFinite(value) || value < 0) {
    throw new CliError(`${what} must be a number of seconds >= 0; got '${text}'`, { command: "run" });
  }
  return value;
}

/** The cluster options of `sluice run`, if `--application-id` (or `SLUICE_APPLICATION_ID`) is given. */
function clusterArgs(pick: (flag: string, envName: string) => { text: string; what: string } | undefined): { cluster?: ClusterArgs } {
  const id = pick("application-id", "SLUICE_APPLICATION_ID");
  const servers = pick("bootstrap-servers", "SLUICE_BOOTSTRAP_SERVERS");
  const processArg = pick("process", "SLUICE_PROCESS");
  const partitionsArg = pick("partitions", "SLUICE_PARTITIONS");
  const stateDirArg = pick("state-dir", "SLUICE_STATE_DIR");
  if (id === undefined) {
    const stray = servers ?? processArg ?? partitionsArg ?? stateDirArg;
    if (stray !== undefined) throw new CliError(`${stray.what} needs --application-id: it is an option of a cluster process`, { command: "run" });
    return {};
  }
  if (!/^[a-zA-Z0-9._-]+$/.test(id.text)) {
    throw new CliError(`${id.what} must be letters, digits, '.', '_' and '-' (it names Kafka topics); got '${id.text}'`, { command: "run" });
  }
  if (servers === undefined) throw new CliError(`--application-id needs --bootstrap-servers HOST:PORT[,HOST:PORT...]`, { command: "run" });
  const brokers = servers.text.split(",").map((b) => b.trim());
  if (brokers.some((b) => !/^[^:\s]+:\d+$/.test(b))) {
    throw new CliError(`${servers.what} must be HOST:PORT[,HOST:PORT...]; got '${servers.text}'`, { command: "run" });
  }
  let cluster: ClusterArgs = { applicationId: id.text, brokers };
  if (processArg !== undefined) {
    const m = /^(\d+)\/(\d+)$/.exec(processArg.text.trim());
    if (m === null || Number(m[2]) < 1 || Number(m[1]) >= Number(m[2])) {
      throw new CliError(`${processArg.what} must be I/N with 0 <= I < N (this process's number and the process count); got '${processArg.text}'`, {
        command: "run",
      });
    }
    cluster = { ...cluster, process: Number(m[1]), processes: Number(m[2]) };
  }
  if (stateDirArg !== undefined) cluster = { ...cluster, stateDir: stateDirArg.text };
  if (partitionsArg === undefined) return { cluster };
  const partitions = Number(partitionsArg.text);
  if (!Number.isSafeInteger(partitions) || partitions < 1) {
    throw new CliError(`${partitionsArg.what} must be a positive integer (the application's task count); got '${partitionsArg.text}'`, { command: "run" });
  }
  return { cluster: { ...cluster, partitions } };
}

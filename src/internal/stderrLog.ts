/**
 * Sluice's own lines on stderr (run progress, warnings, the CLI's failure
 * reports), written in one place so that they share a format: text by
 * default (`sluice: <message>`), or one JSON object a line when the
 * `SLUICE_LOG_FORMAT` environment variable is `json` (`sluice run
 * --log-format json` sets it; worker threads inherit it).
 *
 * @module
 * @internal
 */

/** @internal How Sluice's lines are written: `sluice: <message>`, or JSON. */
export type LogFormat = "text" | "json";

/** @internal The formats, for messages. */
export const LOG_FORMATS: readonly LogFormat[] = ["text", "json"];

/** @internal How much a line matters. */
export type LogLevel = "info" | "warn" | "error";

/** @internal A line's structured fields (`undefined` ones are left out). */
export type LogFields = Readonly<Record<string, string | number | boolean | undefined>>;

/** @internal One entry of Sluice's log. */
export interface LogEntry {
  readonly level: LogLevel;
  /** What happened, in one line of words. */
  readonly msg: string;
  /** The `sluice` command the entry is about: text lines then start `sluice <command>:`. */
  readonly command?: string | undefined;
  /**
   * Fields for the JSON form (`event`, `epoch`, `items` …), after `time`,
   * `level`, `msg` and `command`. The text form says what matters of them
   * in `msg`.
   */
  readonly fields?: LogFields | undefined;
  /**
   * Lines printed after `msg` in the text form only (a usage hint, a stack
   * trace): the JSON form carries the same in `fields`.
   */
  readonly more?: readonly string[] | undefined;
}

/**
 * @internal The format `SLUICE_LOG_FORMAT` asks for: `json` (any case,
 * spaces around ignored), else text.
 */
export function logFormatFromEnv(env: NodeJS.ProcessEnv = process.env): LogFormat {
  return env.SLUICE_LOG_FORMAT?.trim().toLowerCase() === "json" ? "json" : "text";
}

/**
 * @internal `entry` as the text to write, ending with a newline: JSON is
 * `{"time": ISO 8601, "level", "msg", "command"?, ...fields}` on one line.
 */
export function formatLogEntry(entry: LogEntry, format: LogFormat, now: Date = new Date()): string {
  if (format === "json") {
    const line: Record<string, string | number | boolean | undefined> = { time: now.toISOString(), level: entry.level, msg: entry.msg, command: entry.command };
    for (const [name, value] of Object.entries(entry.fields ?? {})) if (!(name in line)) line[name] = value;
    return `${JSON.stringify(line)}\n`;
  }
  const prefix = entry.command === undefined ? "sluice" : `sluice ${entry.command}`;
  return [`${prefix}: ${entry.msg}`, ...(entry.more ?? [])].join("\n") + "\n";
}

/** @internal Writes Sluice's log entries to stderr, in the format the environment asks for. */
export class StderrLog {
  /**
   * @param format - How to write entries.
   * @param write - Where the text goes (default: stderr).
   */
  constructor(
    readonly format: LogFormat,
    private readonly write: (text: string) => void = (text) => process.stderr.write(text),
  ) {}

  /** A log to stderr in the format of `SLUICE_LOG_FORMAT`, read now. */
  static fromEnv(env: NodeJS.ProcessEnv = process.env): StderrLog {
    return new StderrLog(logFormatFromEnv(env));
  }

  /** Write `entry`. */
  log(entry: LogEntry): void {
    this.write(formatLogEntry(entry, this.format));
  }

  /** Something worth knowing (progress). */
  info(msg: string, fields?: LogFields): void {
    this.log({ level: "info", msg, fields });
  }

  /** Something the user may not expect, that Sluice handled. */
  warn(msg: string, fields?: LogFields): void {
    this.log({ level: "warn", msg, fields });
  }

  /** A failure. */
  error(msg: string, fields?: LogFields): void {
    this.log({ level: "error", msg, fields });
  }
}

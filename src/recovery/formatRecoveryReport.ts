/**
 * The text `sluice recovery inspect` prints: a {@link RecoveryReport} as
 * short tables, then the warnings and their count.
 *
 * @module
 * @internal
 */
import { basename } from "node:path";
import type { RecoveryReport } from "./inspect.js";

const number = (n: number): string => n.toLocaleString("en-US");
const plural = (n: number, what: string): string => `${number(n)} ${what}${n === 1 ? "" : "s"}`;

/**
 * @internal The report as text for people, ending with a line counting the
 * warnings (`no warnings`, `1 warning`, ...).
 *
 * @param report - What {@link inspectRecovery} read.
 * @returns Lines, each ending with a newline.
 */
export function formatRecoveryReport(report: RecoveryReport): string {
  const lines: string[] = [];
  const created = report.createdAt === null ? "" : `, created ${report.createdAt}`;
  lines.push(`recovery directory ${report.directory}: ${plural(report.partitionCount, "partition")}${created}`);
  const last = report.lastCommit;
  lines.push(
    last === null
      ? `nothing committed yet: a run starts at epoch ${report.resumeEpoch}`
      : `last commit: epoch ${last.epoch}${last.at === null ? "" : ` at ${last.at}`}; a run started now resumes at epoch ${report.resumeEpoch}`,
  );

  lines.push("", "partitions:");
  lines.push(
    ...table(
      ["file", "size", "wal", "last commit", "resumes at"],
      report.partitions.map((p) => [
        basename(p.file),
        formatBytes(p.bytes),
        formatBytes(p.walBytes),
        p.lastCommit === null ? "none" : `epoch ${p.lastCommit.epoch} at ${p.lastCommit.at}`,
        String(p.resumeEpoch),
      ]),
      "llllr",
    ),
  );

  lines.push("", "executions:");
  if (report.executions.length === 0) lines.push("  none: no run has used the directory");
  else {
    lines.push(
      ...table(
        ["#", "workers", "started", "from epoch", "committed"],
        report.executions.map((e) => [
          String(e.number),
          String(e.workers),
          e.startedAt,
          String(e.resumeEpoch),
          e.frontier <= e.resumeEpoch
            ? "nothing"
            : e.frontier - 1 === e.resumeEpoch
              ? `epoch ${e.resumeEpoch}`
              : `epochs ${e.resumeEpoch}-${e.frontier - 1}`,
        ]),
        "rrlrl",
      ),
    );
  }

  lines.push("", `state (each key's newest snapshot before epoch ${report.resumeEpoch}):`);
  if (report.steps.length === 0) lines.push("  nothing stored");
  else {
    lines.push(
      ...table(
        ["step", "keys", "bytes", "snapshots", "snapshot bytes"],
        report.steps.map((s) => [s.stepId, number(s.keys), formatBytes(s.bytes), number(s.snapshots), formatBytes(s.snapshotBytes)]),
        "lrrrr",
      ),
    );
  }

  if (report.flow !== null) {
    const ids = report.flow.stepIds;
    lines.push("", `flow '${report.flow.flowId}': ${plural(ids.length, "step")} keeping state${ids.length === 0 ? "" : `: ${ids.join(", ")}`}`);
  }
  lines.push("");
  for (const w of report.warnings) lines.push(`warning: ${w}`);
  lines.push(report.warnings.length === 0 ? "no warnings" : plural(report.warnings.length, "warning"));
  return `${lines.join("\n")}\n`;
}

/**
 * Rows under a header, columns padded to their widest cell, indented by two
 * spaces; `align` has an `l` (left) or `r` (right) per column.
 */
function table(header: readonly string[], rows: readonly (readonly string[])[], align: string): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: readonly string[]): string =>
    `  ${cells.map((c, i) => (align[i] === "r" ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join("  ")}`.trimEnd();
  return [line(header), ...rows.map(line)];
}

/**
 * @internal `bytes` for people: `120 B`, `4.0 KiB`, `1.5 MiB`.
 *
 * @param bytes - A byte count.
 * @returns The count with a binary unit.
 */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/**
 * Progress lines of a run on stderr, when the `SLUICE_LOG` environment
 * variable asks for them (`sluice run -v` sets it): the start (with where a
 * recovered run resumes), every committed epoch (items read, states
 * snapshotted, rate) and the end. Written through {@link StderrLog}, as text
 * or, with `SLUICE_LOG_FORMAT=json`, as JSON with the same facts in fields
 * (`event`: `start`, `epoch`, `end` or `failed`).
 *
 * @module
 * @internal
 */
import type { RunOutcome } from "./executor.js";
import type { RecoveryStore } from "../../recovery/store.js";
import { StderrLog } from "../../internal/stderrLog.js";

const number = (n: number): string => n.toLocaleString("en-US");
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
const count = (n: number, what: string): string => `${number(n)} ${what}${n === 1 ? "" : "s"}`;

/** @internal Writes the progress of one run. */
export class RunLog {
  private readonly t0 = Date.now();
  private lastAt = this.t0;
  private lastItems = 0;
  /** The flow's id, once the run started. */
  private flow: string | undefined;

  constructor(private readonly log: StderrLog) {}

  /**
   * A log to stderr if `SLUICE_LOG` is set (to anything but `0`, `off` or
   * `false`), else `undefined`; in the format of `SLUICE_LOG_FORMAT`.
   */
  static fromEnv(env: NodeJS.ProcessEnv = process.env): RunLog | undefined {
    const v = env.SLUICE_LOG?.trim().toLowerCase();
    if (v === undefined || v === "" || v === "0" || v === "off" || v === "false") return undefined;
    return new RunLog(StderrLog.fromEnv(env));
  }

  /** The run started; `store`: where it resumes from, with recovery. */
  started(flowId: string, workers: number, epochInterval: number, store: RecoveryStore | undefined): void {
    this.flow = flowId;
    const epochs = epochInterval === 0 ? "an epoch per batch" : `epochs of ${seconds(epochInterval)}`;
    const rec =
      store === undefined
        ? "no recovery"
        : `recovery in ${store.config.dbDir}, execution ${store.exNum}, ` +
          (store.resumeEpoch > 1 ? `resuming at epoch ${store.resumeEpoch}` : "starting at epoch 1");
    this.log.info(`running '${flowId}' on ${workers} worker${workers === 1 ? "" : "s"}, ${epochs}, ${rec}`, {
      event: "start",
      flow: flowId,
      workers,
      epochIntervalMs: epochInterval,
      recoveryDir: store?.config.dbDir,
      execution: store?.exNum,
      epoch: store?.resumeEpoch ?? 1,
      // Since the log was made: with recovery, opening the directory and loading every stored state.
      elapsedMs: Date.now() - this.t0,
    });
  }

  /**
   * Epoch `epoch` was closed; `items`: read so far by every worker;
   * `stored`: the snapshots committed with it, when the run has recovery;
   * `closeStartedAt`: when its close began (ms since the Unix epoch), when
   * known, so the JSON line says when the epoch was cut (`closedMs`, since
   * the start) apart from when its snapshot was durable (`elapsedMs`).
   */
  epoch(epoch: number, items: number, stored: number | undefined, closeStartedAt?: number): void {
    const now = Date.now();
    const closedMs = closeStartedAt === undefined || closeStartedAt <= 0 ? undefined : closeStartedAt - this.t0;
    const dt = now - this.lastAt;
    const read = items - this.lastItems;
    const rate = dt > 0 ? Math.round((read * 1000) / dt) : undefined;
    this.log.info(
      `epoch ${epoch} ${stored === undefined ? "closed" : "committed"} at ${seconds(now - this.t0)}: ` +
        `${count(read, "item")} read${rate === undefined ? "" : ` (${number(rate)}/s)`}, ${number(items)} in all` +
        (stored === undefined ? "" : `, ${count(stored, "state")} stored`),
      { event: "epoch", flow: this.flow, epoch, committed: stored !== undefined, items: read, totalItems: items, rate, stored, elapsedMs: now - this.t0, closedMs },
    );
    this.lastAt = now;
    this.lastItems = items;
  }

  ended(outcome: RunOutcome, items: number): void {
    const how = outcome === "eof" ? "every input ended" : outcome === "stopped" ? "stopped" : "aborted by a source";
    const elapsed = Date.now() - this.t0;
    this.log.info(`run ended (${how}) after ${seconds(elapsed)}: ${count(items, "item")} read`, {
      event: "end",
      flow: this.flow,
      outcome,
      items,
      elapsedMs: elapsed,
    });
  }

  /** The run failed with `err`; `items` read so far, if known. */
  failed(err: unknown, items: number | undefined): void {
    const what = err instanceof Error ? err.name : "error";
    const elapsed = Date.now() - this.t0;
    this.log.error(`run failed (${what}) after ${seconds(elapsed)}` + (items === undefined ? "" : `: ${count(items, "item")} read`), {
      event: "failed",
      flow: this.flow,
      error: what,
      items,
      elapsedMs: elapsed,
    });
  }
}

/**
 * Progress lines of a run on stderr, when the `SLUICE_LOG` environment
 * variable asks for them (`sluice run -v` sets it): the start (with where a
 * recovered run resumes), every committed epoch (items read, states
 * snapshotted, rate) and the end.
 *
 * @module
 * @internal
 */
import type { RunOutcome } from "./executor.js";
import type { RecoveryStore } from "../../recovery/store.js";

const number = (n: number): string => n.toLocaleString("en-US");
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
const count = (n: number, what: string): string => `${number(n)} ${what}${n === 1 ? "" : "s"}`;

/** @internal Writes the progress of one run. */
export class RunLog {
  private readonly t0 = Date.now();
  private lastAt = this.t0;
  private lastItems = 0;

  constructor(private readonly write: (line: string) => void) {}

  /** A log to stderr if `SLUICE_LOG` is set (to anything but `0`, `off` or `false`), else `undefined`. */
  static fromEnv(env: NodeJS.ProcessEnv = process.env): RunLog | undefined {
    const v = env.SLUICE_LOG?.trim().toLowerCase();
    if (v === undefined || v === "" || v === "0" || v === "off" || v === "false") return undefined;
    return new RunLog((line) => process.stderr.write(`sluice: ${line}\n`));
  }

  /** The run started; `store`: where it resumes from, with recovery. */
  started(flowId: string, workers: number, epochInterval: number, store: RecoveryStore | undefined): void {
    const epochs = epochInterval === 0 ? "an epoch per batch" : `epochs of ${seconds(epochInterval)}`;
    const rec =
      store === undefined
        ? "no recovery"
        : `recovery in ${store.config.dbDir}, execution ${store.exNum}, ` +
          (store.resumeEpoch > 1 ? `resuming at epoch ${store.resumeEpoch}` : "starting at epoch 1");
    this.write(`running '${flowId}' on ${workers} worker${workers === 1 ? "" : "s"}, ${epochs}, ${rec}`);
  }

  /**
   * Epoch `epoch` was closed; `items`: read so far by every worker;
   * `stored`: the snapshots committed with it, when the run has recovery.
   */
  epoch(epoch: number, items: number, stored: number | undefined): void {
    const now = Date.now();
    const dt = now - this.lastAt;
    const rate = dt > 0 ? ` (${number(Math.round(((items - this.lastItems) * 1000) / dt))}/s)` : "";
    this.write(
      `epoch ${epoch} ${stored === undefined ? "closed" : "committed"} at ${seconds(now - this.t0)}: ` +
        `${count(items - this.lastItems, "item")} read${rate}, ${number(items)} in all` +
        (stored === undefined ? "" : `, ${count(stored, "state")} stored`),
    );
    this.lastAt = now;
    this.lastItems = items;
  }

  ended(outcome: RunOutcome, items: number): void {
    const how = outcome === "eof" ? "every input ended" : outcome === "stopped" ? "stopped" : "aborted by a source";
    this.write(`run ended (${how}) after ${seconds(Date.now() - this.t0)}: ${count(items, "item")} read`);
  }

  /** The run failed with `err`; `items` read so far, if known. */
  failed(err: unknown, items: number | undefined): void {
    const what = err instanceof Error ? err.name : "error";
    this.write(`run failed (${what}) after ${seconds(Date.now() - this.t0)}` + (items === undefined ? "" : `: ${count(items, "item")} read`));
  }
}

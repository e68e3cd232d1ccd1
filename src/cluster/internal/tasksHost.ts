/**
 * Runs a thread's tasks, each until it is stopped: a task that fails for a
 * reason outside the flow (the brokers, the network) is started again from
 * its last committed epoch after a backoff; a task another process took
 * over (its producer was fenced) ends; a failure of the flow itself (a
 * `StepError` from user code, a `BuildError`) is reported as fatal.
 *
 * @module
 * @internal
 */
import type { CompiledFlow } from "../../run/internal/graph.js";
import { ConnectorError, causeText } from "../../errors.js";
import { StderrLog } from "../../internal/stderrLog.js";
import { isFenced } from "../../connectors/kafka/internal/kafkaErrors.js";
import { runTask, type TaskSetting } from "./task.js";

/** Longest wait before a failed task is started again (ms). */
const MAX_BACKOFF_MS = 10_000;

/** Whether starting the task again may help: the failure came from Kafka (a `ConnectorError` or kafkajs's own), not from the flow. */
function isKafkaFailure(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 16; e = e.cause, depth++) {
    if (e instanceof ConnectorError || e.name.startsWith("KafkaJS")) return true;
  }
  return false;
}

/** @internal How a task ended: stopped (asked to), ended (its inputs ended), or fenced (another process runs it now). */
export type TaskEnd = "stopped" | "ended" | "fenced";

/** @internal What a host tells its owner. */
export interface TaskEvents {
  /** The task restored its state (`records` from the changelog, `cachedKeys` from its local cache) and runs. */
  started(task: number, records: number, cachedKeys: number): void;
  /** The task ended without a failure of the flow. */
  ended(task: number, how: TaskEnd): void;
  /** The flow failed in the task: the run must fail. */
  failed(task: number, error: unknown): void;
}

/** @internal Runs tasks of a flow in this thread: `start` and `stop` them one by one. */
export class TaskHost {
  private readonly running = new Map<number, { stop: AbortController; done: Promise<void> }>();
  private readonly log = StderrLog.fromEnv();

  constructor(
    private readonly flow: CompiledFlow,
    private readonly setting: TaskSetting,
    private readonly events: TaskEvents,
  ) {}

  /** Start task `task` unless it runs here already. */
  start(task: number): void {
    if (this.running.has(task)) return;
    const stop = new AbortController();
    const done = this.supervise(task, stop.signal).then(
      (how) => {
        this.running.delete(task);
        this.events.ended(task, how);
      },
      (err: unknown) => {
        this.running.delete(task);
        this.events.failed(task, err);
      },
    );
    this.running.set(task, { stop, done });
  }

  /** Stop task `task` at its next batch boundary (its open epoch is not committed: the next owner replays it). */
  stop(task: number): void {
    this.running.get(task)?.stop.abort();
  }

  /** Stop every task and wait until they ended. */
  async stopAll(): Promise<void> {
    const all = [...this.running.values()];
    for (const r of all) r.stop.abort();
    await Promise.all(all.map((r) => r.done));
  }

  /** Tasks running here. */
  tasks(): number[] {
    return [...this.running.keys()];
  }

  private async supervise(task: number, signal: AbortSignal): Promise<TaskEnd> {
    let failures = 0;
    while (!signal.aborted) {
      try {
        const outcome = await runTask(this.flow, this.setting, task, signal, (r) => this.events.started(task, r.records, r.cachedKeys));
        return outcome === "eof" ? "ended" : "stopped";
      } catch (err) {
        if (signal.aborted) return "stopped";
        if (isFenced(err)) return "fenced";
        if (!isKafkaFailure(err)) throw err;
        failures++;
        const wait = Math.min(MAX_BACKOFF_MS, 250 * 2 ** Math.min(failures, 8));
        this.log.warn(`task ${task} failed; starting it again from its last committed epoch in ${wait} ms: ${causeText(err)}`, {
          event: "cluster_task_restart",
          task,
        });
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, wait);
          signal.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
        });
      }
    }
    return "stopped";
  }
}

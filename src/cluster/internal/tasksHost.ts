/**
 * Runs a thread's tasks, each until the run stops: a task that fails for a
 * reason outside the flow (the brokers, the network) is started again from
 * its last committed epoch after a backoff; a task another process took
 * over (its producer was fenced) is given up; a failure of the flow itself
 * (a `StepError` from user code, a `BuildError`) fails the run.
 *
 * @module
 * @internal
 */
import type { CompiledFlow } from "../../run/internal/graph.js";
import { ConnectorError, causeText } from "../../errors.js";
import { StderrLog } from "../../internal/stderrLog.js";
import { runTask, type TaskSetting } from "./task.js";

/** Longest wait before a failed task is started again (ms). */
const MAX_BACKOFF_MS = 10_000;

/** The errors of the chain `err`, `err.cause`, … */
function* causes(err: unknown): Generator<unknown> {
  for (let e = err, depth = 0; e !== undefined && e !== null && depth < 16; depth++) {
    yield e;
    e = (e as { cause?: unknown }).cause;
  }
}

/** @internal Whether `err` says the task's producer was fenced: another process registered the task's transactional id. */
export function isFenced(err: unknown): boolean {
  for (const e of causes(err)) {
    const type = (e as { type?: unknown }).type;
    if (type === "PRODUCER_FENCED" || type === "INVALID_PRODUCER_EPOCH") return true;
    if (e instanceof Error && e.name === "KafkaJSProducerFenced") return true;
  }
  return false;
}

/** Whether starting the task again may help: the failure came from Kafka, not from the flow. */
function isKafkaFailure(err: unknown): boolean {
  for (const e of causes(err)) {
    if (e instanceof ConnectorError) return true;
    if (e instanceof Error && e.name.startsWith("KafkaJS")) return true;
  }
  return false;
}

/** @internal What the host tells its owner about each task. */
export interface TaskEvents {
  started?(task: number, restoredRecords: number | undefined): void;
  restarting?(task: number, error: unknown, afterMs: number): void;
  fenced?(task: number): void;
}

/**
 * @internal Run `tasks` of `flow` until `signal` aborts; rejects with the
 * first failure of the flow itself (the other tasks are stopped first).
 */
export async function hostTasks(flow: CompiledFlow, setting: TaskSetting, tasks: readonly number[], signal: AbortSignal, events: TaskEvents = {}): Promise<void> {
  const log = StderrLog.fromEnv();
  const inner = new AbortController();
  const onAbort = (): void => inner.abort();
  signal.addEventListener("abort", onAbort, { once: true });
  const supervise = async (task: number): Promise<void> => {
    let failures = 0;
    while (!inner.signal.aborted) {
      const run = runTask(flow, setting, task, inner.signal);
      const started = setInterval(() => {
        if (run.restoredRecords() === undefined) return;
        clearInterval(started);
        events.started?.(task, run.restoredRecords());
        log.info(`task ${task} running (restored ${run.restoredRecords()} changelog records)`, { event: "cluster_task_started", task });
      }, 20);
      try {
        await run.done;
        return;
      } catch (err) {
        if (inner.signal.aborted) return;
        if (isFenced(err)) {
          events.fenced?.(task);
          log.error(`task ${task} was taken over by another process of the application (this process's producer for it was fenced); it stops running here`, {
            event: "cluster_task_fenced",
            task,
          });
          return;
        }
        if (!isKafkaFailure(err)) throw err;
        failures++;
        const wait = Math.min(MAX_BACKOFF_MS, 250 * 2 ** Math.min(failures, 8));
        events.restarting?.(task, err, wait);
        log.warn(`task ${task} failed; starting it again from its last committed epoch in ${wait} ms: ${causeText(err)}`, {
          event: "cluster_task_restart",
          task,
        });
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, wait);
          inner.signal.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
        });
      } finally {
        clearInterval(started);
      }
    }
  };
  try {
    const results = await Promise.allSettled(
      tasks.map((t) =>
        supervise(t).catch((err: unknown) => {
          inner.abort();
          throw err;
        }),
      ),
    );
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed !== undefined) throw failed.reason;
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}

/**
 * The coordination of a run on several workers, as a plain state machine:
 * it takes events (workers' messages, the epoch timer, a stop, the result of
 * a commit) and returns the commands to carry out, in order. No threads, no
 * timers, no store: `runWorkers` wires it to those, and tests drive it with
 * scripted event sequences.
 *
 * What it decides:
 * - partition assignment, once every worker listed its partitions;
 * - when a barrier starts: the epoch interval elapsed (`tick`), a worker
 *   asked (`wantBarrier`, epochs of one round of batches), an origin can end
 *   (every input ended on every worker; a loop whose inputs had ended and
 *   that had nothing in flight at the last barrier), or every worker went
 *   idle while a loop waits to end;
 * - which origins have ended (sent with each barrier) and whether a barrier
 *   is the final one (every origin ended);
 * - the commit of an epoch once every worker sent its snapshots, then
 *   `committed` to the workers;
 * - how the run ends: every worker ended and exited (`finish`), or the first
 *   failure (`fail`: the wiring terminates every worker).
 *
 * Races, and what wins:
 * - a stop (signal) before the final commit: no further commit; workers are
 *   told to stop, and the run ends "stopped" once they have all ended;
 * - a stop during or after the final commit: ignored, the run is complete;
 * - a worker failing during a barrier: the run fails at once with its error,
 *   the epoch is not committed, later messages are ignored;
 * - snapshots of an epoch that is not the barrier's (late, or after a stop)
 *   are ignored, never committed.
 *
 * @module
 * @internal
 */
import type { RunOutcome } from "./executor.js";
import { deserializeError, type FromWorker, type LoopInfo, type SnapshotMessage, type ToWorker } from "./protocol.js";
import { stableHash } from "../../internal/hash.js";

/** @internal What the coordinator reacts to. */
export type CoordinatorEvent =
  | FromWorker
  /** A worker thread exited with `code`. */
  | { readonly t: "exit"; readonly worker: number; readonly code: number }
  /** A worker thread failed outside the run (an uncaught error). */
  | { readonly t: "crash"; readonly worker: number; readonly error: unknown }
  /** The epoch interval elapsed. */
  | { readonly t: "tick" }
  /** The run was asked to stop (signal). */
  | { readonly t: "stop" }
  /** The `commit` command succeeded / failed. */
  | { readonly t: "committed"; readonly epoch: number }
  | { readonly t: "commitFailed"; readonly error: unknown };

/** @internal What the wiring must do, in order. */
export type CoordinatorCommand =
  | { readonly do: "post"; readonly msg: ToWorker }
  | { readonly do: "logStart"; readonly flowId: string }
  /** Start the epoch timer (it sends `tick` every epoch interval). */
  | { readonly do: "startTicks" }
  /** Store the epoch's snapshots, then send `committed` (or `commitFailed`). */
  | { readonly do: "commit"; readonly epoch: number; readonly entries: SnapshotMessage[] }
  | { readonly do: "logEpoch"; readonly epoch: number; readonly items: number; readonly stored: number | undefined }
  /** The run ended without failure. */
  | { readonly do: "finish"; readonly outcome: RunOutcome; readonly items: number }
  /** The run failed: terminate every worker. */
  | { readonly do: "fail"; readonly error: unknown };

/** @internal Options of a {@link Coordinator}. */
export interface CoordinatorOptions {
  readonly workers: number;
  readonly epochInterval: number;
  /** First epoch of the run. */
  readonly startEpoch: number;
  /** Whether snapshots are stored (the run has recovery). */
  readonly storing: boolean;
}

/**
 * @internal Give every partition one worker among those that list it:
 * `candidates[stableHash(name) % candidates.length]`, the same whoever computes it.
 */
export function assignPartitions(listed: readonly Record<string, string[]>[]): Record<string, Record<string, number>> {
  const candidates = new Map<string, Map<string, number[]>>();
  listed.forEach((parts, worker) => {
    for (const [stepId, names] of Object.entries(parts)) {
      let step = candidates.get(stepId);
      if (step === undefined) candidates.set(stepId, (step = new Map()));
      for (const name of names) {
        const list = step.get(name);
        if (list === undefined) step.set(name, [worker]);
        else list.push(worker);
      }
    }
  });
  const owners: Record<string, Record<string, number>> = {};
  for (const [stepId, parts] of candidates) {
    owners[stepId] = {};
    for (const [name, workers] of parts) owners[stepId][name] = workers[stableHash(name) % workers.length];
  }
  return owners;
}

/** @internal The coordination of one run on several workers. */
export class Coordinator {
  private readonly n: number;
  private epoch: number;
  private readonly listed: Record<string, string[]>[] = [];
  private listedCount = 0;
  private inputs: readonly string[] = [];
  private loops: readonly LoopInfo[] = [];
  /** Per worker: the inputs that ended there. */
  private readonly inputsDone: Set<string>[];
  /** Items each worker had read at its last epoch close. */
  private readonly itemsRead: number[];
  /** The barrier in progress: the origins it ends, whether final, what arrived. */
  private barrier: { done: readonly string[]; final: boolean; entries: SnapshotMessage[]; count: number; inFlight: Map<string, number> } | undefined;
  /** The last committed barrier's ended origins and items in flight per loop. */
  private last: { done: ReadonlySet<string>; inFlight: ReadonlyMap<string, number> } | undefined;
  private commitPending = false;
  private finalCommitted = false;
  private wantBarrier = false;
  /** Workers that reported idle loops since the last barrier. */
  private readonly idle = new Set<number>();
  private readonly ended: (RunOutcome | undefined)[];
  private exited = 0;
  private outcome: RunOutcome = "eof";
  private settled = false;

  constructor(private readonly options: CoordinatorOptions) {
    this.n = options.workers;
    this.epoch = options.startEpoch;
    this.inputsDone = Array.from({ length: this.n }, () => new Set());
    this.itemsRead = new Array<number>(this.n).fill(0);
    this.ended = new Array<RunOutcome | undefined>(this.n);
  }

  /** React to `event`; the commands to carry out, in order. */
  on(event: CoordinatorEvent): CoordinatorCommand[] {
    if (this.settled) return [];
    const out: CoordinatorCommand[] = [];
    switch (event.t) {
      case "parts":
        this.listed[event.worker] = event.parts;
        this.inputs = event.inputs;
        this.loops = event.loops;
        if (++this.listedCount === this.n) {
          out.push({ do: "logStart", flowId: event.flowId }, { do: "post", msg: { t: "assign", owners: assignPartitions(this.listed) } });
          if (this.options.epochInterval > 0) out.push({ do: "startTicks" });
        }
        break;
      case "inputsDone":
        this.inputsDone[event.worker] = new Set(event.inputs);
        break;
      case "wantBarrier":
      case "tick":
        this.wantBarrier = true;
        break;
      case "idle":
        this.idle.add(event.worker);
        break;
      case "snapshots":
        this.onSnapshots(event, out);
        return out;
      case "committed":
        this.onCommitted(event.epoch, out);
        break;
      case "commitFailed":
        return this.fail(event.error);
      case "stop":
        // Too late once the final epoch is committed (or being committed): the run is complete.
        if (this.finalCommitted || (this.commitPending && this.barrier?.final === true) || this.outcome !== "eof") return [];
        this.outcome = "stopped";
        return [{ do: "post", msg: { t: "stop" } }];
      case "ended":
        this.ended[event.worker] = event.outcome;
        if (event.outcome !== "eof" && this.outcome === "eof") {
          // One worker stopped (AbortExecution): stop the others too.
          this.outcome = event.outcome;
          out.push({ do: "post", msg: { t: "stop" } });
        }
        return out;
      case "error":
        return this.fail(deserializeError(event.error));
      case "crash":
        return this.fail(event.error);
      case "exit":
        return this.onExit(event.worker, event.code);
    }
    this.maybeBarrier(out);
    return out;
  }

  private onSnapshots(msg: Extract<FromWorker, { t: "snapshots" }>, out: CoordinatorCommand[]): void {
    const b = this.barrier;
    // A late message (another epoch, or after a stop) is never committed.
    if (b === undefined || msg.epoch !== this.epoch || this.commitPending || this.outcome !== "eof") return;
    for (const e of msg.entries) b.entries.push(e);
    for (const [loop, k] of Object.entries(msg.inFlight)) b.inFlight.set(loop, (b.inFlight.get(loop) ?? 0) + k);
    this.itemsRead[msg.worker] = msg.items;
    if (++b.count < this.n) return;
    this.commitPending = true;
    out.push({ do: "commit", epoch: this.epoch, entries: b.entries });
  }

  private onCommitted(epoch: number, out: CoordinatorCommand[]): void {
    const b = this.barrier!;
    this.commitPending = false;
    out.push(
      { do: "logEpoch", epoch, items: this.totalRead(), stored: this.options.storing ? b.entries.length : undefined },
      { do: "post", msg: { t: "committed", epoch } },
    );
    this.last = { done: new Set(b.done), inFlight: b.inFlight };
    this.barrier = undefined;
    this.epoch++;
    this.idle.clear();
    if (b.final) this.finalCommitted = true;
  }

  private onExit(worker: number, code: number): CoordinatorCommand[] {
    this.exited++;
    if (this.ended[worker] === undefined && code !== 0) return this.fail(new Error(`worker ${worker} exited with code ${code} before the run ended`));
    if (this.exited < this.n) return [];
    if (!this.ended.every((o) => o !== undefined)) return this.fail(new Error("a worker ended without reporting how the run ended"));
    this.settled = true;
    return [{ do: "finish", outcome: this.outcome, items: this.totalRead() }];
  }

  private fail(error: unknown): CoordinatorCommand[] {
    this.settled = true;
    return [{ do: "fail", error }];
  }

  private totalRead(): number {
    return this.itemsRead.reduce((a, b) => a + b, 0);
  }

  /** The origins that have ended everywhere: inputs ended on every worker, and loops that can end. */
  private endedOrigins(): string[] {
    const done = this.inputs.filter((i) => this.inputsDone.every((d) => d.has(i)));
    const last = this.last;
    for (const loop of this.loops) {
      const quiet =
        last !== undefined &&
        (last.done.has(loop.id) ||
          (loop.inputs.every((i) => last.done.has(i)) && loop.loops.every((l) => (last.inFlight.get(l) ?? 0) === 0)));
      if (quiet) done.push(loop.id);
    }
    return done;
  }

  private maybeBarrier(out: CoordinatorCommand[]): void {
    if (this.barrier !== undefined || this.finalCommitted || this.listedCount < this.n || this.outcome !== "eof") return;
    const done = this.endedOrigins();
    const final = done.length === this.inputs.length + this.loops.length;
    // A loop can end that had not ended at the last barrier (inputs wait for the epoch's end, as they always did).
    const ending = this.loops.some((l) => done.includes(l.id) && this.last?.done.has(l.id) !== true);
    // Every worker is idle while a loop whose inputs all ended waits to end: check with a barrier.
    const settle =
      this.idle.size === this.n &&
      this.loops.some((l) => !done.includes(l.id) && l.inputs.every((i) => done.includes(i)));
    if (!final && !ending && !this.wantBarrier && !settle) return;
    this.wantBarrier = false;
    this.barrier = { done, final, entries: [], count: 0, inFlight: new Map() };
    out.push({ do: "post", msg: { t: "barrier", epoch: this.epoch, doneInputs: done, final } });
  }
}

/**
 * The epoch driver contract: what differs between a run on one worker and a
 * run on several is not the executor's loop but its epoch policy.
 *
 * The executor's loop, each round:
 * 1. stops if `stopping()`;
 * 2. calls `beforeRound()`: the driver delivers what arrived (exchange
 *    traffic), runs an epoch close that is due (taking the snapshot through
 *    the executor and committing it, or handing it to whoever commits), and
 *    fires EOFs that are due; `true` means the run reached its end (the last
 *    epoch was closed), and the executor closes the nodes;
 * 3. fires the timers that are due;
 * 4. if `mayRead()`, polls every ready feed (loops first, then source
 *    partitions), pushing each batch through the graph and calling
 *    `afterBatch()` after each non-empty one; it breaks off when
 *    `interrupted()` (a stop, a barrier or exchange items to deliver);
 *    a feed that ends calls `feedEnded()` once its origin ended here;
 * 5. calls `afterRound(now, itemsRead)` (an epoch whose time is up closes);
 * 6. unless `interrupted()`, sleeps on the run's clock until the earliest of
 *    `nextWake()`, the timers and the feeds (woken early by `executor.wake()`).
 *
 * Invariants every driver keeps:
 * - An epoch's snapshot is taken when every item of that epoch has been
 *   processed on this worker, and loops re-emit nothing while it is taken:
 *   what is in flight on a loop belongs to the epoch's snapshot.
 * - `executor.ctx.epoch` is incremented right after an epoch's snapshot.
 * - EOF of a node fires once, when every origin upstream of it ended (as
 *   the driver judges it: locally on one worker, globally on several).
 *
 * Two drivers: {@link LocalEpochs} (one worker: the executor closes and
 * commits its own epochs) and `BarrierEpochs` (several workers: a
 * coordinator starts barriers, markers align the workers, the coordinator
 * commits). A third, Kafka transactions across processes, would fit the
 * same contract.
 *
 * @module
 * @internal
 */
import type { EncodedSnapshot, RuntimeNode } from "./node.js";
import type { Executor } from "./executor.js";

/** @internal An epoch policy: see the module comment for when each method is called. */
export interface EpochDriver {
  start(): Promise<void>;
  stopping(): boolean;
  /** A Promise only when there is something to wait for: most rounds cost no microtask turn. */
  beforeRound(): boolean | Promise<boolean>;
  mayRead(): boolean;
  afterBatch(): void | Promise<void>;
  afterRound(now: number, itemsRead: number): void | Promise<void>;
  interrupted(): boolean;
  nextWake(): number;
  feedEnded(): void | Promise<void>;
}

/** @internal Thrown inside an epoch close when the run is asked to stop. */
export class StopRequested extends Error {}

/** @internal Options of {@link LocalEpochs}. */
export interface LocalEpochsOptions {
  /** Epoch length in ms; 0 makes every batch its own epoch. */
  readonly epochInterval: number;
  /** Stops the run at the next batch boundary, without closing the epoch. */
  readonly signal?: AbortSignal | undefined;
  /** Receives the changed states of each closed epoch; awaited before the next batch. Without it, snapshots are only checked. */
  readonly onEpochClose?: ((epoch: number, entries: EncodedSnapshot[]) => void | Promise<void>) | undefined;
  /**
   * Told each closed epoch, after `onEpochClose`, with the snapshots that got
   * (`undefined` without it) and when the close began (ms since the Unix epoch).
   */
  readonly afterEpoch?: ((epoch: number, snapshots: readonly EncodedSnapshot[] | undefined, closeStartedAt: number) => void) | undefined;
}

const localEnded = (origin: RuntimeNode): boolean => origin.localEnded();

/**
 * @internal Epochs of a run on one worker: an epoch closes when its interval
 * elapsed on the run's clock (or after every batch with an interval of 0),
 * and at the end; EOFs fire as soon as the origins upstream ended here.
 */
export class LocalEpochs implements EpochDriver {
  private deadline = Infinity;
  private readonly onAbort = (): void => this.exec.wake();

  constructor(
    private readonly exec: Executor,
    private readonly options: LocalEpochsOptions,
  ) {}

  async start(): Promise<void> {
    this.options.signal?.addEventListener("abort", this.onAbort, { once: true });
    await this.exec.fireEofs(localEnded);
    const interval = this.options.epochInterval;
    this.deadline = interval > 0 ? this.exec.ctx.clock.now() + interval : Infinity;
  }

  stopping(): boolean {
    if (this.options.signal?.aborted !== true) return false;
    this.options.signal.removeEventListener("abort", this.onAbort);
    return true;
  }

  beforeRound(): boolean | Promise<boolean> {
    if (this.exec.quietLoops().length === 0 && this.exec.live()) return false;
    return this.endLoopsOrRun();
  }

  /** End the loops nothing can feed any more; then, if nothing is left to read, the run. */
  private async endLoopsOrRun(): Promise<boolean> {
    const quiet = this.exec.quietLoops();
    if (quiet.length > 0) {
      for (const loop of quiet) loop.done = true;
      await this.exec.fireEofs(localEnded);
    }
    if (this.exec.live()) return false;
    await this.closeEpoch();
    this.options.signal?.removeEventListener("abort", this.onAbort);
    return true;
  }

  mayRead(): boolean {
    return true;
  }

  afterBatch(): void | Promise<void> {
    if (this.options.epochInterval === 0) return this.closeEpoch();
  }

  afterRound(now: number): void | Promise<void> {
    if (now < this.deadline) return;
    this.deadline = now + this.options.epochInterval;
    return this.closeEpoch();
  }

  /** A stop, or the end of the run or of a loop to handle before sleeping. */
  interrupted(): boolean {
    return this.options.signal?.aborted === true || !this.exec.live() || this.exec.quietLoops().length > 0;
  }

  nextWake(): number {
    return this.deadline;
  }

  async feedEnded(): Promise<void> {
    await this.exec.fireEofs(localEnded);
  }

  private async closeEpoch(): Promise<void> {
    const { onEpochClose, afterEpoch } = this.options;
    const startedAt = afterEpoch === undefined ? 0 : Date.now();
    const epoch = this.exec.ctx.epoch;
    // Without a consumer (no recovery), snapshots are only checked: a state that could not be snapshotted fails the run all the same.
    const encoded = this.exec.snapshotEpoch(onEpochClose !== undefined);
    if (onEpochClose !== undefined) await onEpochClose(epoch, encoded);
    this.exec.epochCommitted(epoch);
    afterEpoch?.(epoch, onEpochClose === undefined ? undefined : encoded, startedAt);
    this.exec.ctx.epoch++;
  }
}

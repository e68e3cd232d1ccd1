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
  /**
   * Makes each closed epoch durable while the next one runs (the store
   * thread): at most one commit is in flight (an epoch on time stays open
   * until the previous commit ended); the nodes are told an epoch is
   * committed, and `onEpochClose` and `afterEpoch` are called, only once its
   * Promise resolved, in epoch order, at the start of a round.
   */
  readonly store?: { commit(epoch: number, entries: readonly EncodedSnapshot[]): Promise<void> } | undefined;
  /**
   * Receives the changed states of each closed epoch; awaited before the next
   * batch (with a `store`: once the epoch is durable). Without either,
   * snapshots are only checked.
   */
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
  /** The epoch being committed by the store, if any. */
  private pending: { epoch: number; entries: EncodedSnapshot[]; startedAt: number; done: Promise<void> } | undefined;
  /** Whether `pending` is durable (its Promise resolved). */
  private durable = false;
  /** Why `pending` could not be committed. */
  private failure: { error: unknown } | undefined;

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
    // An epoch closed before the stop is still committed (beforeRound waits for it): the stop loses no epoch.
    if (this.pending !== undefined && this.failure === undefined) return false;
    this.options.signal.removeEventListener("abort", this.onAbort);
    return true;
  }

  beforeRound(): boolean | Promise<boolean> {
    if (this.pending !== undefined && (this.durable || this.failure !== undefined || this.options.signal?.aborted === true)) {
      return this.settle().then(() => this.beforeRound());
    }
    if (this.exec.quietLoops().length === 0 && this.exec.live()) return false;
    return this.endLoopsOrRun();
  }

  /** Wait until the epoch being committed is durable, then tell the nodes and the hooks. */
  private async settle(): Promise<void> {
    const p = this.pending!;
    try {
      await p.done;
    } finally {
      this.pending = undefined;
    }
    const { onEpochClose, afterEpoch } = this.options;
    if (onEpochClose !== undefined) await onEpochClose(p.epoch, p.entries);
    this.exec.epochCommitted(p.epoch);
    afterEpoch?.(p.epoch, p.entries, p.startedAt);
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
    // A stop that waits for the epoch being committed reads nothing meanwhile.
    return this.options.signal?.aborted !== true;
  }

  afterBatch(): void | Promise<void> {
    if (this.options.epochInterval === 0) return this.closeEpoch();
  }

  afterRound(now: number, itemsRead: number): void | Promise<void> {
    if (now < this.deadline || this.options.signal?.aborted === true) return;
    // A busy flow goes on while the store commits the previous epoch; an idle one waits for it, then closes.
    if (this.storeBusy() && itemsRead > 0) return;
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

  /**
   * Whether the store is still committing the previous epoch, so an epoch on
   * time goes on instead of closing while the flow has items to process: one
   * commit in flight at most, and a store slower than the interval lengthens
   * epochs rather than stalling the flow (an interval of 0 waits: an epoch
   * per batch is what it asks for).
   */
  private storeBusy(): boolean {
    return this.pending !== undefined && !this.durable && this.failure === undefined && this.options.epochInterval > 0;
  }

  async feedEnded(): Promise<void> {
    await this.exec.fireEofs(localEnded);
  }

  private async closeEpoch(): Promise<void> {
    if (this.options.store !== undefined) return this.closeEpochStored(this.options.store);
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

  /**
   * Close an epoch into the store: snapshot and encode it here, wait for the
   * previous epoch's commit (one in flight at most: a store slower than the
   * flow slows the flow, never piles up epochs), hand this one over and go
   * on; the last epoch of the run is waited for.
   */
  private async closeEpochStored(store: NonNullable<LocalEpochsOptions["store"]>): Promise<void> {
    const startedAt = this.options.afterEpoch === undefined ? 0 : Date.now();
    const epoch = this.exec.ctx.epoch;
    const entries = this.exec.snapshotEpoch(true);
    if (this.pending !== undefined) await this.settle();
    this.durable = false;
    const done = store.commit(epoch, entries).then(
      () => {
        this.durable = true;
        this.exec.wake();
      },
      (error: unknown) => {
        this.failure = { error };
        this.exec.wake();
        throw error;
      },
    );
    // Handled in settle(); never an unhandled rejection meanwhile.
    done.catch(() => undefined);
    this.pending = { epoch, entries, startedAt, done };
    this.exec.ctx.epoch++;
    if (!this.exec.live()) await this.settle();
  }
}

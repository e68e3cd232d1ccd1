/**
 * Runtime nodes: one per core operator of the compiled graph. Data moves
 * between them in batches (arrays), never item by item.
 *
 * A node knows how to open itself (build partitions, restore keys), which
 * partitions it has, how items must be routed to it across workers, what it
 * snapshots and how it ends, so the executor, the exchange and the worker
 * setup treat every node alike.
 *
 * @module
 * @internal
 */
import type { RunClock, RunContext } from "../../clock.js";
import type { ResumeStates } from "./resume.js";

/** @internal What a node can learn about the run while it processes a batch. */
export interface NodeContext extends RunContext {
  /** Epoch of the batch being processed. */
  epoch: number;
  readonly clock: RunClock;
}

/** @internal A state to snapshot at epoch close: `(stepId, stateKey) -> state`. */
export interface SnapshotEntry {
  /** Core step owning the state (the recovery identity). */
  readonly stepId: string;
  /** Step named in errors. */
  readonly userStepId: string;
  /** Partition name, key, or loop generation. */
  readonly stateKey: string;
  /** Whether `stateKey` is a key (errors say "for key") rather than a partition. */
  readonly keyed: boolean;
  /** The snapshot (meaningless when discarded). */
  readonly state: unknown;
  /** Whether the key's state was dropped. */
  readonly discarded: boolean;
}

/** @internal A snapshot encoded with the flow's serde, as handed to the recovery layer. */
export interface EncodedSnapshot {
  readonly stepId: string;
  readonly stateKey: string;
  /** The snapshot as taken (for tests and in-memory use). */
  readonly state: unknown;
  /** Encoded snapshot, or `null` for a discarded key. */
  readonly bytes: Uint8Array | null;
}

/** @internal What a node needs to open. */
export interface OpenContext {
  readonly ctx: NodeContext;
  /** The stored states of a step, by partition name or key (empty without recovery). */
  states(stepId: string): ResumeStates;
  /** The worker that owns partition `part` of step `stepId` (always this worker when alone). */
  owner(stepId: string, part: string): number;
  /** The execution number of the run (distinguishes what this run stores from earlier runs' states). */
  readonly execution: number;
}

/** @internal Which worker each item of a batch goes to: one bucket per worker. */
export type Route = (items: unknown[], workerCount: number, self: number) => unknown[][];

/**
 * @internal Something the executor polls for batches: a source partition, or
 * a loop's items in flight. A feed's batches enter the graph at `node`.
 */
export interface Feed {
  readonly node: RuntimeNode;
  /** Partition name (for errors), or the loop's step. */
  readonly name: string;
  /** When to poll next, in ms since the Unix epoch. */
  readonly awake: number;
  /** Whether it has ended (a partition returned `null`; a loop ended). */
  readonly done: boolean;
  /** Read one batch (`null`: the feed ends now); a Promise only when the source is asynchronous. */
  poll(ctx: NodeContext): unknown[] | null | Promise<unknown[] | null>;
  /** After a poll that returned `count` items at `now`: work out `awake`. */
  schedule(count: number, now: number): void;
  /** End the feed cleanly (a partition's `close`). */
  end(): void | Promise<void>;
  /** How many items the partition is behind its end, when its source can tell (metrics). */
  lag?(): number | undefined;
}

/** @internal A loop's re-entry (the `feedback` node), as the executor and the epoch drivers see it. */
export interface Loop extends Feed {
  readonly stepId: string;
  /** Whether the loop ended; set by the epoch driver's decision. */
  done: boolean;
  /** Items fed back and not yet re-emitted. */
  readonly inFlight: number;
}

/** @internal Base of every runtime node. */
export abstract class RuntimeNode {
  /** Batches waiting to be processed, appended by upstream nodes (the executor empties this array, never replaces it). */
  readonly pending: unknown[][] = [];
  /** Consumers of each output port. */
  readonly downs: RuntimeNode[][];
  /**
   * Whether this node starts data (an input, or a loop's re-entry): the
   * nodes downstream see EOF once every origin upstream of them has ended.
   */
  readonly origin: boolean = false;
  /** Whether this node has timers (`nextDue` / `fireDue`). */
  readonly timed: boolean = false;
  /**
   * Counts for metrics, kept whether or not a run serves them (a few
   * additions per batch; wrapping the methods only when metrics are on cost
   * more, in closure calls): items handed to `process`, batches, items emitted.
   */
  itemsIn = 0;
  batches = 0;
  itemsOut = 0;
  /** Whether another node runs this one inside itself (fused per-item steps): it never processes a batch. */
  absorbed = false;

  constructor(
    readonly stepId: string,
    readonly userStepId: string,
    outPorts: number,
  ) {
    this.downs = Array.from({ length: outPorts }, () => []);
  }

  /** Process one batch; may return a Promise (awaited once per batch). */
  abstract process(items: unknown[], ctx: NodeContext): void | Promise<void>;

  /** Take a batch from an upstream node (processed when the executor reaches this node). */
  accept(items: unknown[]): void {
    this.pending.push(items);
  }

  /**
   * The partitions of this step this worker can reach, sorted and without
   * duplicates, for the partition assignment; `undefined` for a step
   * without partitions.
   */
  listParts(): Promise<string[]> | undefined {
    return undefined;
  }

  /** Build partitions, restore keys: once, before the first batch. */
  open(_open: OpenContext): void | Promise<void> {}

  /** With several workers: how items reach this node (`undefined`: they stay on their worker). */
  route(): Route | undefined {
    return undefined;
  }

  /** What the executor polls for this node (source partitions, a loop's items). */
  feeds(): readonly Feed[] {
    return [];
  }

  /** The loop this node is the re-entry of, if it is one. */
  loop(): Loop | undefined {
    return undefined;
  }

  /**
   * Run `next`, the only consumer of this node, inside this node (fusing
   * per-item steps); whether it could.
   */
  absorb(_next: RuntimeNode): boolean {
    return false;
  }

  /** For an origin: whether it ended on this worker. */
  localEnded(): boolean {
    return true;
  }

  /** The user steps this node runs (itself, and the steps it absorbed), for metrics. */
  userSteps(): readonly string[] {
    return [this.userStepId];
  }

  /** Keys this node holds state for (stateful steps, for metrics), else `undefined`. */
  keysHeld(): number | undefined {
    return undefined;
  }

  /** Earliest pending notification, or `Infinity` (nodes with `timed`). */
  nextDue(): number {
    return Infinity;
  }

  /** Fire the notifications due at `now`; whether any fired (nodes with `timed`). */
  fireDue(_now: number, _ctx: NodeContext): boolean {
    return false;
  }

  /** Called once when every origin upstream of this node has ended. */
  onEof(_ctx: NodeContext): void | Promise<void> {}

  /**
   * Add the states changed since the last call to `out`; `_stored`: whether
   * they will be stored (else only checked). With `_check` (not stored, and
   * the flow's serde is the default one), a node may instead check each
   * state with it on the spot, throwing what it throws as the snapshot's
   * `StepError`: no entry per state when nobody stores them.
   */
  snapshot(_out: SnapshotEntry[], _stored?: boolean, _check?: (state: unknown) => void): void {}

  /**
   * The snapshot this node took at `epoch` (and at every earlier epoch) is
   * committed: stored by the recovery store, or, without recovery, taken.
   * A two-phase sink commits there what it prepared in that snapshot. Called
   * in epoch order, possibly while a batch is being processed (with several
   * workers the coordinator's message arrives on its own); never throws: a
   * failure surfaces at the node's next batch, snapshot or close.
   */
  committed(_epoch: number): void {}

  /** Release resources at a clean end of the run. */
  close(): void | Promise<void> {}

  /**
   * The run ends without EOF, failing with `error` (an `AbortExecution` when
   * it was stopped or aborted): sinks and sources release what they hold.
   * Best effort, never throws; called at most once.
   */
  abort(_error: unknown): void {}

  /** Hand `items` to every consumer of output `port`. */
  emit(port: number, items: unknown[]): void {
    if (items.length === 0) return;
    this.itemsOut += items.length;
    const targets = this.downs[port];
    // Fan-out: each consumer gets its own array, so one mutating it cannot affect another.
    for (let i = 0; i < targets.length; i++) targets[i].accept(i === 0 ? items : items.slice());
  }
}

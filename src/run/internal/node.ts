/**
 * Runtime nodes: one per core operator of the compiled graph. Data moves
 * between them in batches (arrays), never item by item.
 *
 * @module
 * @internal
 */

/** @internal What a node can learn about the run while it processes a batch. */
export interface RunContext {
  /** Epoch of the batch being processed. */
  epoch: number;
  /** This worker's index. */
  readonly worker: number;
  /** Number of workers. */
  readonly workerCount: number;
}

/** @internal A state to snapshot at epoch close: `(stepId, stateKey) -> state`. */
export interface SnapshotEntry {
  /** Core step owning the state (the recovery identity). */
  readonly stepId: string;
  /** Step named in errors. */
  readonly userStepId: string;
  /** Partition name or key. */
  readonly stateKey: string;
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

/** @internal Base of every runtime node. */
export abstract class RuntimeNode {
  /** Batches waiting to be processed, appended by upstream nodes. */
  pending: unknown[][] = [];
  /** Consumers of each output port. */
  readonly downs: RuntimeNode[][];

  constructor(
    readonly stepId: string,
    readonly userStepId: string,
    outPorts: number,
  ) {
    this.downs = Array.from({ length: outPorts }, () => []);
  }

  /** Process one batch; may return a Promise (awaited once per batch). */
  abstract process(items: unknown[], ctx: RunContext): void | Promise<void>;

  /** Called once when every input upstream of this node has ended. */
  onEof(_ctx: RunContext): void | Promise<void> {}

  /** Add the states changed since the last call to `out`; `_stored`: whether they will be stored (else only checked). */
  snapshot(_out: SnapshotEntry[], _stored?: boolean): void {}

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
    const targets = this.downs[port];
    // Fan-out: each consumer gets its own array, so one mutating it cannot affect another.
    for (let i = 0; i < targets.length; i++) targets[i].pending.push(i === 0 ? items : items.slice());
  }
}

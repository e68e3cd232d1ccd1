/**
 * Runtime node of the `feedback` core operator: where a loop's items
 * re-enter the graph.
 *
 * Semantics (API.md, "Feedback"):
 * - Items sent back (`from`) are queued here and re-emitted when the
 *   executor polls the loop, like a source partition that is ready whenever
 *   it holds items. Loops are polled before sources, so work already in the
 *   flow goes first. Items fed back during an open epoch are processed in
 *   that epoch; the executor never re-emits them during an epoch close, so a
 *   loop that keeps feeding itself cannot hold an epoch open.
 * - At epoch close, the items still queued are this node's snapshot (under a
 *   state key naming the execution and the worker). A run resumed from that
 *   epoch re-emits them before anything else. With another worker count,
 *   the keys of the earlier execution are spread over the new workers by
 *   hash (like keyed state), each re-emits what it adopted and deletes the
 *   adopted keys at its first snapshot.
 * - The loop ends (this origin's EOF, then its downstream steps') once every
 *   input upstream of it has ended and nothing is in flight on it: decided
 *   by the epoch driver (locally, or by the coordinator across workers).
 *   Items that reach an ended loop (a step in it emitting from `onEof`, or a
 *   timer racing the end of input) are not processed: they stay in the
 *   snapshot, and a later run with recovery processes them first.
 *
 * @module
 * @internal
 */
import { RuntimeNode, type Feed, type Loop, type OpenContext, type SnapshotEntry } from "./node.js";
import { ownedKeys } from "./resume.js";
import { describeType } from "../../errors.js";
import { stepFailure } from "./failure.js";

/** @internal `feedback`: its own feed; items emitted to it are queued. */
export class FeedbackNode extends RuntimeNode implements Loop {
  override readonly origin = true;
  readonly node: RuntimeNode = this;
  readonly name: string;
  /** Whether the loop ended (set by the epoch driver). */
  done = false;
  private queue: unknown[][] = [];
  private queued = 0;
  /** State keys of earlier executions this worker took over, to delete at the first snapshot. */
  private adopted: string[] = [];
  /** This worker's state key in this execution. */
  private ownKey = "";
  /** Whether `ownKey` holds a stored, non-empty queue. */
  private stored = false;
  /** Whether the queue changed since the last snapshot. */
  private changed = false;

  constructor(stepId: string, userStepId: string) {
    super(stepId, userStepId, 1);
    this.name = stepId;
  }

  /** Ready while it holds items and the loop has not ended. */
  get awake(): number {
    return this.queued > 0 && !this.done ? 0 : Infinity;
  }

  /** How many items are queued (in flight on the loop). */
  get inFlight(): number {
    return this.queued;
  }

  override accept(items: unknown[]): void {
    this.queue.push(items);
    this.queued += items.length;
    this.changed = true;
  }

  process(items: unknown[]): void {
    this.accept(items);
  }

  override feeds(): readonly Feed[] {
    return [this];
  }

  override loop(): Loop {
    return this;
  }

  override localEnded(): boolean {
    return this.done;
  }

  /** Take every queued item as one batch. */
  poll(): unknown[] {
    const batch = this.queue.length === 1 ? this.queue[0] : this.queue.flat();
    this.queue = [];
    this.queued = 0;
    this.changed = true;
    return batch;
  }

  schedule(): void {}

  end(): void {}

  override open({ ctx, states, execution }: OpenContext): void {
    this.ownKey = `x${execution}w${ctx.worker}`;
    const mine = ownedKeys(states(this.stepId), ctx.worker, ctx.workerCount);
    for (const key of [...mine.keys()].sort()) {
      const items = mine.get(key);
      if (!Array.isArray(items)) {
        const err = new TypeError(`the stored items in flight must be an array; got ${describeType(items)}`);
        throw stepFailure(err, "resume", this.userStepId, { partition: key });
      }
      if (items.length > 0) this.accept(items);
      this.adopted.push(key);
    }
    this.changed = this.adopted.length > 0;
  }

  override snapshot(out: SnapshotEntry[]): void {
    const base = { stepId: this.stepId, userStepId: this.userStepId, keyed: false } as const;
    for (const key of this.adopted) out.push({ ...base, stateKey: key, state: undefined, discarded: true });
    this.adopted = [];
    if (!this.changed) return;
    this.changed = false;
    if (this.queued > 0) {
      out.push({ ...base, stateKey: this.ownKey, state: this.queue.flat(), discarded: false });
      this.stored = true;
    } else if (this.stored) {
      out.push({ ...base, stateKey: this.ownKey, state: undefined, discarded: true });
      this.stored = false;
    }
  }
}

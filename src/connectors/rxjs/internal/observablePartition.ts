/**
 * The partition behind `ObservableSource`: an Observable's values, buffered
 * between polls.
 *
 * @module
 * @internal
 */
import { Subject, from, takeUntil, type ObservableInput, type Subscription } from "rxjs";
import { StatelessSourcePartition } from "../../../inputs/source.js";
import { ConnectorError, StepError, causeText } from "../../../errors.js";

/** @internal What {@link ObservablePartition} needs. */
export interface ObservablePartitionConfig<X> {
  readonly stepId: string;
  readonly workerIndex: number;
  readonly workerCount: number;
  readonly factory: (workerIndex: number, workerCount: number) => ObservableInput<X>;
  readonly bufferSize: number;
  readonly batchSize: number;
  readonly onOverflow: "error" | "drop";
  readonly onDrop: () => void;
}

/**
 * @internal Subscribes at construction; values go to a bounded queue that
 * `nextBatch` drains. A failure (the Observable's error or an overflow) is
 * thrown once the values queued before it are emitted.
 */
export class ObservablePartition<X> extends StatelessSourcePartition<X> {
  private readonly partition: string;
  /** Queued values; `head` is the index of the next one to emit. */
  private queue: X[] = [];
  private head = 0;
  private completed = false;
  private failure: StepError | undefined;
  /** Set once no more values are accepted (error, overflow, close). */
  private stopped = false;
  private readonly stop = new Subject<void>();
  private readonly subscription: Subscription;

  constructor(private readonly config: ObservablePartitionConfig<X>) {
    super();
    const { stepId, workerIndex, workerCount, factory } = config;
    this.partition = `worker-${workerIndex}`;
    let input: ObservableInput<X>;
    try {
      input = factory(workerIndex, workerCount);
    } catch (err) {
      throw this.stepError(`error calling \`factory\` in step '${stepId}'`, err);
    }
    let observable;
    try {
      observable = from(input);
    } catch (err) {
      throw this.stepError(`\`factory\` in step '${stepId}' must return an Observable or another ObservableInput`, err);
    }
    this.subscription = observable.pipe(takeUntil(this.stop)).subscribe({
      next: (value) => this.onNext(value),
      error: (err: unknown) => this.fail(this.stepError(`the Observable of step '${stepId}' (worker ${workerIndex}) failed`, err)),
      complete: () => {
        if (!this.stopped) this.completed = true;
      },
    });
    if (this.stopped) this.subscription.unsubscribe();
  }

  /** Up to `batchSize` queued values; `null` once complete and drained; throws a failure once drained. */
  nextBatch(): X[] | null {
    const available = this.queue.length - this.head;
    if (available > 0) {
      const n = Math.min(available, this.config.batchSize);
      const out = this.queue.slice(this.head, this.head + n);
      this.head += n;
      if (this.head === this.queue.length) {
        this.queue = [];
        this.head = 0;
      } else if (this.head >= 1024 && this.head * 2 >= this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
      return out;
    }
    if (this.failure !== undefined) throw this.failure;
    return this.completed ? null : [];
  }

  /** Unsubscribe. */
  override close(): void {
    this.halt();
  }

  /** The run ended early: unsubscribe. */
  override abort(): void {
    this.halt();
  }

  private onNext(value: X): void {
    if (this.stopped) return;
    if (this.queue.length - this.head < this.config.bufferSize) {
      this.queue.push(value);
      return;
    }
    if (this.config.onOverflow === "drop") {
      this.config.onDrop();
      return;
    }
    const { stepId, workerIndex, bufferSize } = this.config;
    const cause = new ConnectorError(
      `more than ${bufferSize} values arrived between two polls (onOverflow "error"); ` +
        'raise bufferSize, or use onOverflow "drop"',
    );
    this.fail(this.stepError(`the buffer of ObservableSource in step '${stepId}' (worker ${workerIndex}) is full`, cause));
  }

  private fail(error: StepError): void {
    if (this.stopped) return;
    this.failure = error;
    this.halt();
  }

  private halt(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.stop.next();
    this.stop.complete();
    // Undefined while the constructor's subscribe call is still running.
    (this.subscription as Subscription | undefined)?.unsubscribe();
  }

  private stepError(what: string, cause: unknown): StepError {
    return new StepError(`${what}: ${causeText(cause)}`, { stepId: this.config.stepId, partition: this.partition, cause });
  }
}

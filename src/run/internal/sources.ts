/**
 * Runtime node of the `input` core operator: the partitions this worker reads.
 *
 * @module
 * @internal
 */
import { AbortExecution, describeType } from "../../errors.js";
import {
  isFixedPartitionedSource,
  type DynamicSource,
  type FixedPartitionedSource,
  type StatefulSourcePartition,
  type StatelessSourcePartition,
} from "../../inputs/source.js";
import { RuntimeNode, type Feed, type NodeContext, type OpenContext, type SnapshotEntry } from "./node.js";
import { isThenable, stepFailure, toArray } from "./failure.js";

/** @internal One source partition being read, with its polling schedule. */
export class PartitionReader implements Feed {
  awake = 0;
  done = false;
  /** Whether it was polled since the last snapshot. */
  touched = false;

  constructor(
    readonly node: InputNode,
    readonly name: string,
    readonly part: StatefulSourcePartition<unknown, unknown> | StatelessSourcePartition<unknown>,
    readonly resumable: boolean,
  ) {}

  /** The partition's lag, for partitions that can tell (an internal `lag()`, as Kafka's has). */
  lag(): number | undefined {
    const lag = (this.part as { lag?: unknown }).lag;
    if (typeof lag !== "function") return undefined;
    const n: unknown = lag.call(this.part);
    return typeof n === "number" && Number.isFinite(n) ? n : undefined;
  }

  poll(ctx: NodeContext): unknown[] | null | Promise<unknown[] | null> {
    this.touched = true;
    let res: unknown;
    try {
      res = this.part.nextBatch();
    } catch (err) {
      throw this.failure(err, ctx);
    }
    if (isThenable(res)) {
      return Promise.resolve(res).then(
        (x) => this.check(x, ctx),
        (err: unknown) => {
          throw this.failure(err, ctx);
        },
      );
    }
    return this.check(res, ctx);
  }

  private check(res: unknown, ctx: NodeContext): unknown[] | null {
    if (res === null || Array.isArray(res)) return res;
    try {
      return toArray(res, "nextBatch", `partition '${this.name}'`);
    } catch (err) {
      throw this.failure(err, ctx);
    }
  }

  /** What a failed `nextBatch` throws: `AbortExecution` as is, else a `StepError`. */
  private failure(err: unknown, ctx: NodeContext): unknown {
    if (err instanceof AbortExecution) return err;
    return stepFailure(err, "nextBatch", this.node.userStepId, { partition: this.name, epoch: ctx.epoch });
  }

  schedule(count: number, now: number): void {
    let next: unknown;
    try {
      next = this.part.nextAwake?.();
      if (next !== undefined && !(next instanceof Date && !Number.isNaN(next.getTime()))) {
        throw new TypeError(`\`nextAwake\` must return a valid Date or undefined; got ${describeType(next)}`);
      }
    } catch (err) {
      throw stepFailure(err, "nextAwake", this.node.userStepId, { partition: this.name });
    }
    this.awake = next !== undefined ? (next as Date).getTime() : count > 0 ? now : now + 1;
  }

  async end(): Promise<void> {
    this.done = true;
    try {
      await this.part.close?.();
    } catch (err) {
      throw stepFailure(err, "close", this.node.userStepId, { partition: this.name });
    }
  }
}

/** @internal `input`: owns this worker's partitions of a source. */
export class InputNode extends RuntimeNode {
  override readonly origin = true;
  private readonly readers: PartitionReader[] = [];
  /** The fixed partitions' names, asked for once per run. */
  private names: Promise<string[]> | undefined;

  constructor(
    stepId: string,
    userStepId: string,
    private readonly source: FixedPartitionedSource<unknown, unknown> | DynamicSource<unknown>,
  ) {
    super(stepId, userStepId, 1);
  }

  override feeds(): readonly Feed[] {
    return this.readers;
  }

  override localEnded(): boolean {
    return this.readers.every((r) => r.done);
  }

  /** Names of every partition this worker can reach (none for a dynamic source, whose parts are per worker). */
  override listParts(): Promise<string[]> | undefined {
    const source = this.source;
    if (!isFixedPartitionedSource(source)) return undefined;
    return (this.names ??= listPartsOf(source, this.userStepId));
  }

  /** Build this worker's partitions: a dynamic source's share, or the fixed partitions it owns. */
  override async open(open: OpenContext): Promise<void> {
    const source = this.source;
    const { ctx } = open;
    if (!isFixedPartitionedSource(source)) {
      try {
        const part = await source.build(this.stepId, ctx.worker, ctx.workerCount, ctx);
        this.readers.push(new PartitionReader(this, `worker-${ctx.worker}`, part, false));
      } catch (err) {
        throw stepFailure(err, "build", this.userStepId);
      }
      return;
    }
    const resume = open.states(this.stepId);
    for (const name of await this.listParts()!) {
      if (open.owner(this.stepId, name) !== ctx.worker) continue;
      try {
        const part = await source.buildPart(this.stepId, name, resume.get(name), ctx);
        this.readers.push(new PartitionReader(this, name, part, true));
      } catch (err) {
        throw stepFailure(err, "buildPart", this.userStepId, { partition: name });
      }
    }
  }

  process(): void {
    throw new Error(`input step '${this.stepId}' has no upstream`);
  }

  /** Let every partition that has not ended release what it holds (not awaited; errors ignored). */
  override abort(reason: unknown): void {
    for (const r of this.readers) {
      if (r.done) continue;
      r.done = true;
      try {
        const p = r.part.abort?.(reason);
        if (isThenable(p)) p.then(undefined, () => {});
      } catch {
        // Best effort: the run is ending anyway.
      }
    }
  }

  override snapshot(out: SnapshotEntry[]): void {
    for (const r of this.readers) {
      if (!r.touched || !r.resumable) continue;
      r.touched = false;
      let state: unknown;
      try {
        state = (r.part as StatefulSourcePartition<unknown, unknown>).snapshot();
      } catch (err) {
        throw stepFailure(err, "snapshot", this.userStepId, { partition: r.name });
      }
      out.push({ stepId: this.stepId, userStepId: this.userStepId, keyed: false, discarded: false, stateKey: r.name, state });
    }
  }
}

/**
 * @internal The partitions `listParts` of a source or sink gives (it may
 * return a Promise), sorted, without duplicates; a failure names the step.
 */
export async function listPartsOf(of: { listParts(): string[] | Promise<string[]> }, userStepId: string): Promise<string[]> {
  let names: unknown;
  try {
    names = await of.listParts();
    if (!Array.isArray(names) || !names.every((n) => typeof n === "string")) {
      throw new TypeError(`\`listParts\` must return an array of strings (or a Promise of one); got ${describeType(names)}`);
    }
  } catch (err) {
    throw stepFailure(err, "listParts", userStepId);
  }
  return [...new Set(names as string[])].sort();
}

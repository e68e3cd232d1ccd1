/**
 * Runtime node of the `input` core operator: the partitions this worker reads.
 *
 * @module
 * @internal
 */
import { describeType } from "../../errors.js";
import {
  isFixedPartitionedSource,
  type DynamicSource,
  type FixedPartitionedSource,
  type StatefulSourcePartition,
  type StatelessSourcePartition,
} from "../../inputs/source.js";
import { RuntimeNode, type SnapshotEntry } from "./node.js";
import { isThenable, stepFailure } from "./failure.js";
import type { ResumeStates } from "./sinks.js";

/** @internal One source partition being read, with its polling schedule. */
export class PartitionReader {
  /** When to poll next, in ms since the epoch. */
  awake = 0;
  /** Whether the partition returned `null`. */
  done = false;
  /** Whether it was polled since the last snapshot. */
  touched = false;

  constructor(
    readonly input: InputNode,
    readonly name: string,
    readonly part: StatefulSourcePartition<unknown, unknown> | StatelessSourcePartition<unknown>,
    readonly resumable: boolean,
  ) {}

  /** Work out `awake` after a poll that returned `count` items at `now`. */
  schedule(count: number, now: number): void {
    let next: unknown;
    try {
      next = this.part.nextAwake?.();
      if (next !== undefined && !(next instanceof Date && !Number.isNaN(next.getTime()))) {
        throw new TypeError(`\`nextAwake\` must return a valid Date or undefined; got ${describeType(next)}`);
      }
    } catch (err) {
      throw stepFailure(err, "nextAwake", this.input.userStepId, { partition: this.name });
    }
    this.awake = next !== undefined ? (next as Date).getTime() : count > 0 ? now : now + 1;
  }
}

/** @internal `input`: owns this worker's partitions of a source. */
export class InputNode extends RuntimeNode {
  readonly readers: PartitionReader[] = [];

  constructor(
    stepId: string,
    userStepId: string,
    private readonly source: FixedPartitionedSource<unknown, unknown> | DynamicSource<unknown>,
  ) {
    super(stepId, userStepId, 1);
  }

  /**
   * Build this worker's partitions: a dynamic source's share, or the
   * partitions of a fixed source that `owns` (all of them on one worker).
   */
  async open(resume: ResumeStates, worker: number, workerCount: number, owns: (part: string) => boolean = () => true): Promise<void> {
    const source = this.source;
    if (!isFixedPartitionedSource(source)) {
      try {
        const part = await source.build(this.stepId, worker, workerCount);
        this.readers.push(new PartitionReader(this, `worker-${worker}`, part, false));
      } catch (err) {
        throw stepFailure(err, "build", this.userStepId);
      }
      return;
    }
    let names: string[];
    try {
      names = [...new Set(await source.listParts())].sort();
    } catch (err) {
      throw stepFailure(err, "listParts", this.userStepId);
    }
    for (const name of names) {
      if (!owns(name)) continue;
      try {
        const part = await source.buildPart(this.stepId, name, resume.get(name));
        this.readers.push(new PartitionReader(this, name, part, true));
      } catch (err) {
        throw stepFailure(err, "buildPart", this.userStepId, { partition: name });
      }
    }
  }

  /** Names of every partition this worker can reach (for the partition assignment). */
  async listParts(): Promise<string[]> {
    const source = this.source;
    if (!isFixedPartitionedSource(source)) return [];
    try {
      return [...new Set(await source.listParts())].sort();
    } catch (err) {
      throw stepFailure(err, "listParts", this.userStepId);
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
      try {
        out.push({ stepId: this.stepId, userStepId: this.userStepId, discarded: false, stateKey: r.name, state: (r.part as StatefulSourcePartition<unknown, unknown>).snapshot() });
      } catch (err) {
        throw stepFailure(err, "snapshot", this.userStepId, { partition: r.name });
      }
    }
  }
}

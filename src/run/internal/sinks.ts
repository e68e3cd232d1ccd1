/**
 * Runtime nodes of the `output` core operator.
 *
 * @module
 * @internal
 */
import { describeType } from "../../errors.js";
import type { DynamicSink, FixedPartitionedSink, StatefulSinkPartition, StatelessSinkPartition } from "../../outputs/sink.js";
import { stableHash } from "../../internal/hash.js";
import { RuntimeNode, type NodeContext, type OpenContext, type Route, type SnapshotEntry } from "./node.js";
import { isThenable, stepFailure } from "./failure.js";
import { listPartsOf } from "./sources.js";

interface OpenSinkPart {
  readonly name: string;
  readonly part: StatefulSinkPartition<unknown, unknown>;
  written: boolean;
}

/** The partitions snapshotted at an epoch whose `commit()` is due once that epoch is committed. */
interface Prepared {
  readonly epoch: number;
  readonly parts: OpenSinkPart[];
}

/**
 * @internal `output` to a fixed-partitioned sink: route by key, write values
 * (or, with `keyOf`, the items themselves, routed by `keyOf(item)`: a
 * dynamic sink's partitioned view).
 */
export class FixedSinkNode extends RuntimeNode {
  /** Every partition name, sorted: `partFn(key) % names.length` indexes it. */
  private names: string[] = [];
  /** This worker's open partitions, aligned with `names` (others undefined). */
  private slots: (OpenSinkPart | undefined)[] = [];
  private parts: OpenSinkPart[] = [];
  private partFn: (key: string) => number = stableHash;
  private ownerOf: (part: string) => number = () => 0;
  /** The partitions' names, asked for once per run. */
  private listed: Promise<string[]> | undefined;
  private ctx: NodeContext | undefined;
  /** Snapshots of two-phase partitions (with `commit`) whose epoch is not committed yet, oldest first. */
  private readonly prepared: Prepared[] = [];
  /** `commit()` calls not settled yet. */
  private readonly committing = new Set<Promise<void>>();
  /** The first failed `commit()`, thrown at the next batch, snapshot or close. */
  private commitFailure: unknown;

  constructor(
    stepId: string,
    userStepId: string,
    private readonly sink: FixedPartitionedSink<unknown, unknown>,
    private readonly keyOf?: (item: unknown) => string,
  ) {
    super(stepId, userStepId, 0);
  }

  /** Names of every partition this worker can reach (for the partition assignment). */
  override listParts(): Promise<string[]> {
    return (this.listed ??= listPartsOf(this.sink, this.userStepId).then((names) => {
      if (names.length === 0) throw stepFailure(new Error("the sink lists no partitions"), "listParts", this.userStepId);
      return names;
    }));
  }

  /** Build the partitions the assignment gives this worker (all of them on one worker). */
  override async open(open: OpenContext): Promise<void> {
    this.names = await this.listParts();
    const worker = open.ctx.worker;
    this.ctx = open.ctx;
    this.ownerOf = (part) => open.owner(this.stepId, part);
    if (typeof this.sink.partFn === "function") this.partFn = (key) => this.sink.partFn(key);
    const resume = open.states(this.stepId);
    this.slots = new Array(this.names.length);
    // Built concurrently: a connector's partition may connect to a broker (and finish an earlier run's work) first.
    const builds: Promise<void>[] = [];
    for (let i = 0; i < this.names.length; i++) {
      const name = this.names[i];
      if (this.ownerOf(name) !== worker) continue;
      builds.push(
        (async () => {
          try {
            this.slots[i] = { name, part: await this.sink.buildPart(this.stepId, name, resume.get(name)), written: false };
          } catch (err) {
            throw stepFailure(err, "buildPart", this.userStepId, { partition: name });
          }
        })(),
      );
    }
    const settled = await Promise.allSettled(builds);
    for (const open of this.slots) if (open !== undefined) this.parts.push(open);
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed !== undefined) throw failed.reason;
  }

  /** Items go to the worker owning the partition of their key. */
  override route(): Route {
    return (items, workerCount, self) => {
      const buckets: unknown[][] = Array.from({ length: workerCount }, () => []);
      const keyOf = this.keyOf;
      for (let i = 0; i < items.length; i++) {
        const kv = items[i];
        const w = keyOf !== undefined ? this.workerFor(keyOf(kv)) : Array.isArray(kv) && typeof kv[0] === "string" ? this.workerFor(kv[0]) : self;
        buckets[w].push(kv);
      }
      return buckets;
    };
  }

  /** The worker owning the partition `key` goes to. */
  private workerFor(key: string): number {
    const n = this.names.length;
    const p = n === 1 ? 0 : this.partFn(key);
    return Number.isInteger(p) && p >= 0 ? this.ownerOf(this.names[p % n]) : 0;
  }

  process(items: unknown[], ctx: NodeContext): void | Promise<void> {
    if (this.commitFailure !== undefined) throw this.commitFailure;
    const n = this.names.length;
    const buckets: unknown[][] = Array.from({ length: n }, () => []);
    const keyOf = this.keyOf;
    for (let i = 0; i < items.length; i++) {
      let key: string;
      let value: unknown;
      if (keyOf !== undefined) {
        value = items[i];
        try {
          key = keyOf(value);
        } catch (err) {
          throw stepFailure(err, "output", this.userStepId, { epoch: ctx.epoch });
        }
      } else {
        const kv = items[i] as readonly [string, unknown];
        if (!Array.isArray(kv) || kv.length !== 2 || typeof kv[0] !== "string") {
          const err = new TypeError(`items written to a FixedPartitionedSink must be [key, value] pairs with a string key; got ${describeType(kv)}`);
          throw stepFailure(err, "output", this.userStepId, { epoch: ctx.epoch });
        }
        key = kv[0];
        value = kv[1];
      }
      let p = 0;
      if (n > 1) {
        try {
          p = this.partFn(key);
          if (!Number.isInteger(p) || p < 0) throw new TypeError(`\`partFn\` must return a non-negative integer; got ${String(p)}`);
        } catch (err) {
          throw stepFailure(err, "partFn", this.userStepId, { key, epoch: ctx.epoch });
        }
      }
      buckets[p % n].push(value);
    }
    let waits: Promise<unknown>[] | undefined;
    for (let p = 0; p < n; p++) {
      if (buckets[p].length === 0) continue;
      const open = this.slots[p];
      if (open === undefined) throw new Error(`step '${this.stepId}': partition '${this.names[p]}' is not open on this worker`);
      open.written = true;
      const fail = (err: unknown): never => {
        throw stepFailure(err, "writeBatch", this.userStepId, { partition: open.name, epoch: ctx.epoch });
      };
      let r: unknown;
      try {
        r = open.part.writeBatch(buckets[p]);
      } catch (err) {
        fail(err);
      }
      if (isThenable(r)) (waits ??= []).push(Promise.resolve(r).catch(fail));
    }
    if (waits !== undefined) return Promise.all(waits).then(() => undefined);
  }

  override snapshot(out: SnapshotEntry[]): void {
    if (this.commitFailure !== undefined) throw this.commitFailure;
    let twoPhase: OpenSinkPart[] | undefined;
    for (const open of this.parts) {
      if (!open.written) continue;
      open.written = false;
      try {
        out.push({ stepId: this.stepId, userStepId: this.userStepId, keyed: false, discarded: false, stateKey: open.name, state: open.part.snapshot() });
      } catch (err) {
        throw stepFailure(err, "snapshot", this.userStepId, { partition: open.name });
      }
      if (typeof open.part.commit === "function") (twoPhase ??= []).push(open);
    }
    if (twoPhase !== undefined) this.prepared.push({ epoch: this.ctx?.epoch ?? 0, parts: twoPhase });
  }

  /** Call `commit()` of each partition snapshotted at `epoch` or before. */
  override committed(epoch: number): void {
    while (this.prepared.length > 0 && this.prepared[0].epoch <= epoch) {
      const { parts, epoch: at } = this.prepared.shift()!;
      for (const open of parts) {
        const fail = (err: unknown): void => {
          this.commitFailure ??= stepFailure(err, "commit", this.userStepId, { partition: open.name, epoch: at });
        };
        let r: unknown;
        try {
          r = open.part.commit!();
        } catch (err) {
          fail(err);
          continue;
        }
        if (isThenable(r)) {
          const settled: Promise<void> = Promise.resolve(r).then(() => undefined, fail).finally(() => this.committing.delete(settled));
          this.committing.add(settled);
        }
      }
    }
  }

  override abort(error: unknown): void {
    for (const open of this.parts) {
      try {
        open.part.abort?.(error);
      } catch {
        // Best effort: the run is already failing with `error`.
      }
    }
  }

  override async close(): Promise<void> {
    while (this.committing.size > 0) await Promise.all(this.committing);
    if (this.commitFailure !== undefined) throw this.commitFailure;
    for (const open of this.parts) {
      try {
        await open.part.close?.();
      } catch (err) {
        throw stepFailure(err, "close", this.userStepId, { partition: open.name });
      }
    }
  }
}

/** @internal `output` to a dynamic sink: this worker's partition gets every item. */
export class DynamicSinkNode extends RuntimeNode {
  private part: StatelessSinkPartition<unknown> | undefined;

  constructor(stepId: string, userStepId: string, private readonly sink: DynamicSink<unknown>) {
    super(stepId, userStepId, 0);
  }

  override async open({ ctx }: OpenContext): Promise<void> {
    try {
      this.part = await this.sink.build(this.stepId, ctx.worker, ctx.workerCount);
    } catch (err) {
      throw stepFailure(err, "build", this.userStepId);
    }
  }

  process(items: unknown[], ctx: NodeContext): void | Promise<void> {
    // No closure per batch: a batch of one item is a common case (W1 batch 1).
    let r: unknown;
    try {
      r = this.part!.writeBatch(items);
    } catch (err) {
      throw this.writeFailure(err, ctx);
    }
    if (isThenable(r)) {
      return Promise.resolve(r).then(
        () => undefined,
        (err: unknown) => {
          throw this.writeFailure(err, ctx);
        },
      );
    }
  }

  /** A failed `writeBatch`, as the step's error. */
  private writeFailure(err: unknown, ctx: NodeContext): Error {
    return stepFailure(err, "writeBatch", this.userStepId, { epoch: ctx.epoch });
  }

  override abort(error: unknown): void {
    try {
      this.part?.abort?.(error);
    } catch {
      // Best effort: the run is already failing with `error`.
    }
  }

  override async close(): Promise<void> {
    try {
      await this.part?.close?.();
    } catch (err) {
      throw stepFailure(err, "close", this.userStepId);
    }
  }
}

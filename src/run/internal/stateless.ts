/**
 * Runtime nodes of the stateless core operators.
 *
 * @module
 * @internal
 */
import { describeType } from "../../errors.js";
import { RuntimeNode, type RunContext } from "./node.js";
import { isThenable, stepFailure } from "./failure.js";
import { fuseStages, StageFailure } from "./fuse.js";
import type { PerItem } from "../../dataflow/internal/steps.js";

/** @internal Turn what a mapper returned into an array, or fail clearly. */
export function toArray(result: unknown, fn: string, what: string): unknown[] {
  if (Array.isArray(result)) return result;
  if (result != null && typeof (result as Iterable<unknown>)[Symbol.iterator] === "function") {
    return Array.from(result as Iterable<unknown>);
  }
  throw new TypeError(`\`${fn}\` ${what} must return an iterable; got ${describeType(result)}`);
}

/** @internal `flatMapBatch`: the mapper once per batch. */
export class FlatMapBatchNode extends RuntimeNode {
  /** The steps whose per-item functions this node runs in one loop (set by {@link FlatMapBatchNode.fuse}). */
  private fused: FlatMapBatchNode[] | undefined;

  constructor(
    stepId: string,
    userStepId: string,
    private mapper: (xs: unknown[]) => Iterable<unknown> | Promise<Iterable<unknown>>,
    private readonly fn: string,
    /** Set when the mapper only applies a per-item function. */
    readonly perItem?: PerItem,
  ) {
    super(stepId, userStepId, 1);
  }

  /**
   * Run this step and the per-item steps `next` (each the only consumer of
   * the one before) as one loop, emitting to the last one's consumers. The
   * nodes of `next` stay in the graph and receive nothing.
   */
  fuse(next: FlatMapBatchNode[]): void {
    const chain = [this, ...next];
    this.mapper = fuseStages(chain.map((n) => n.perItem!));
    this.fused = chain;
    this.downs[0] = next[next.length - 1].downs[0];
  }

  process(items: unknown[], ctx: RunContext): void | Promise<void> {
    let out: unknown;
    try {
      out = this.mapper(items);
    } catch (err) {
      if (err instanceof StageFailure) {
        const at = this.fused![err.stage];
        throw stepFailure(err.cause, at.fn, at.userStepId, { epoch: ctx.epoch });
      }
      throw stepFailure(err, this.fn, this.userStepId, { epoch: ctx.epoch });
    }
    if (isThenable(out)) {
      return Promise.resolve(out).then(
        (ys) => this.emitResult(ys, ctx),
        (err: unknown) => {
          throw stepFailure(err, this.fn, this.userStepId, { epoch: ctx.epoch });
        },
      );
    }
    this.emitResult(out, ctx);
  }

  private emitResult(out: unknown, ctx: RunContext): void {
    let ys: unknown[];
    try {
      ys = toArray(out, this.fn, "flatMapBatch mapper");
    } catch (err) {
      throw stepFailure(err, this.fn, this.userStepId, { epoch: ctx.epoch });
    }
    this.emit(0, ys);
  }
}

/** @internal `branch`: split by a boolean predicate. */
export class BranchNode extends RuntimeNode {
  constructor(
    stepId: string,
    userStepId: string,
    private readonly predicate: (x: unknown) => unknown,
    private readonly fn: string,
  ) {
    super(stepId, userStepId, 2);
  }

  process(items: unknown[], ctx: RunContext): void {
    const trues: unknown[] = [];
    const falses: unknown[] = [];
    try {
      for (let i = 0; i < items.length; i++) {
        const r = this.predicate(items[i]);
        if (r === true) trues.push(items[i]);
        else if (r === false) falses.push(items[i]);
        else throw new TypeError(`\`branch\` predicate must return a boolean; got ${describeType(r)}`);
      }
    } catch (err) {
      throw stepFailure(err, this.fn, this.userStepId, { epoch: ctx.epoch });
    }
    this.emit(0, trues);
    this.emit(1, falses);
  }
}

/** @internal `merge` and `redistribute` (whose exchange spreads items over workers): pass batches on. */
export class ForwardNode extends RuntimeNode {
  constructor(
    stepId: string,
    userStepId: string,
    /** Whether this is a `redistribute` (an exchange goes in front of it with several workers). */
    readonly redistributes = false,
  ) {
    super(stepId, userStepId, 1);
  }

  process(items: unknown[]): void {
    this.emit(0, items);
  }
}

/** @internal `inspectDebug`: call the inspector per item, pass the batch on. */
export class InspectNode extends RuntimeNode {
  constructor(
    stepId: string,
    userStepId: string,
    private readonly inspector: (stepId: string, item: unknown, epoch: number, worker: number) => void,
    private readonly fn: string,
  ) {
    super(stepId, userStepId, 1);
  }

  process(items: unknown[], ctx: RunContext): void {
    try {
      for (let i = 0; i < items.length; i++) this.inspector(this.stepId, items[i], ctx.epoch, ctx.worker);
    } catch (err) {
      throw stepFailure(err, this.fn, this.userStepId, { epoch: ctx.epoch });
    }
    this.emit(0, items);
  }
}

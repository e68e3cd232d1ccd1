/**
 * Runtime nodes of the stateless core operators.
 *
 * @module
 * @internal
 */
import { describeType } from "../../errors.js";
import { RuntimeNode, type NodeContext, type Route } from "./node.js";
import { isThenable, stepFailure, toArray } from "./failure.js";
import { fuseStages, StageFailure, type FusedLoop } from "./fuse.js";
import type { PerItem } from "../../dataflow/internal/steps.js";

/** @internal `flatMapBatch` with a batch mapper: the mapper once per batch. */
export class FlatMapBatchNode extends RuntimeNode {
  constructor(
    stepId: string,
    userStepId: string,
    private readonly mapper: (xs: unknown[]) => Iterable<unknown> | Promise<Iterable<unknown>>,
    private readonly fn: string,
    /** Whether the mapper only computes its output (a built-in's): then, with no consumer, it is not called. */
    private readonly pure = false,
  ) {
    super(stepId, userStepId, 1);
  }

  process(items: unknown[], ctx: NodeContext): void | Promise<void> {
    if (this.pure && this.downs[0].length === 0) return;
    let out: unknown;
    try {
      out = this.mapper(items);
    } catch (err) {
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

  private emitResult(out: unknown, ctx: NodeContext): void {
    let ys: unknown[];
    try {
      ys = toArray(out, this.fn, "flatMapBatch mapper");
    } catch (err) {
      throw stepFailure(err, this.fn, this.userStepId, { epoch: ctx.epoch });
    }
    this.emit(0, ys);
  }
}

/**
 * @internal A per-item step (`map`, `filter`, `filterMap`, `flatMap`,
 * `keyOn`), run by a loop compiled for it (see `fuse.ts`). A chain of such
 * steps, each the only consumer of the one before, runs as one loop in the
 * first node of the chain: the others stay in the graph and receive nothing.
 */
export class PerItemNode extends RuntimeNode {
  /** The steps this node's loop runs: itself, then those it absorbed. */
  private readonly stages: PerItemNode[] = [this];
  private fused: FusedLoop;

  constructor(
    stepId: string,
    userStepId: string,
    private readonly perItem: PerItem,
    /** Name of the user function, for errors. */
    private readonly fn: string,
  ) {
    super(stepId, userStepId, 1);
    this.fused = fuseStages([perItem]);
  }

  /** Run `next`, the only consumer of this node, in this node's loop; whether it could. */
  override absorb(next: RuntimeNode): boolean {
    if (!(next instanceof PerItemNode) || next.stages.length > 1) return false;
    this.stages.push(next);
    this.fused = fuseStages(this.stages.map((s) => s.perItem));
    this.downs[0] = next.downs[0];
    return true;
  }

  override userSteps(): readonly string[] {
    return this.stages.map((s) => s.userStepId);
  }

  process(items: unknown[], ctx: NodeContext): void {
    let out: unknown[];
    try {
      out = this.fused(items);
    } catch (err) {
      if (!(err instanceof StageFailure)) throw stepFailure(err, this.fn, this.userStepId, { epoch: ctx.epoch });
      const at = this.stages[err.stage];
      const key = at.perItem.keyed === true && typeof err.key === "string" ? err.key : undefined;
      throw stepFailure(err.cause, at.fn, at.userStepId, { key, epoch: ctx.epoch });
    }
    this.emit(0, out);
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

  process(items: unknown[], ctx: NodeContext): void {
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

/** @internal `merge`: pass batches on. */
export class ForwardNode extends RuntimeNode {
  constructor(stepId: string, userStepId: string) {
    super(stepId, userStepId, 1);
  }

  process(items: unknown[]): void {
    this.emit(0, items);
  }
}

/** Spread a batch over the workers in contiguous, equal slices, starting with this worker. */
const evenly: Route = (items, workerCount, self) => {
  const buckets: unknown[][] = new Array(workerCount);
  const size = Math.ceil(items.length / workerCount);
  for (let k = 0; k < workerCount; k++) buckets[(self + k) % workerCount] = items.slice(k * size, (k + 1) * size);
  return buckets;
};

/** @internal `redistribute`: with several workers, items reach it spread evenly over them. */
export class RedistributeNode extends ForwardNode {
  override route(): Route {
    return evenly;
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

  process(items: unknown[], ctx: NodeContext): void {
    try {
      for (let i = 0; i < items.length; i++) this.inspector(this.stepId, items[i], ctx.epoch, ctx.worker);
    } catch (err) {
      throw stepFailure(err, this.fn, this.userStepId, { epoch: ctx.epoch });
    }
    this.emit(0, items);
  }
}

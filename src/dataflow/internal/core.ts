/**
 * Builders of the core operators with the name of the user function they
 * call, so errors say which function failed ("error calling `predicate`").
 * Public core operators and derived operators both go through these.
 *
 * @module
 * @internal
 */
import type { Stream } from "../stream.js";
import type { RunContext } from "../../clock.js";
import type { StatefulBatchLogic } from "../stateful/logic.js";
import { defineCore } from "./operator.js";
import type { PerItem } from "./steps.js";

/** @internal `flatMapBatch` calling `mapper` once per batch, reported as function `fn`. */
export function coreFlatMapBatch<X, Y>(
  stepId: string,
  up: Stream<X>,
  mapper: (xs: X[]) => Iterable<Y> | Promise<Iterable<Y>>,
  fn: string,
  pure = false,
): Stream<Y> {
  const spec = { kind: "flatMapBatch", mapper: mapper as (xs: unknown[]) => Iterable<unknown>, fn, pure } as const;
  return defineCore("flatMapBatch", stepId, { up }, spec, ["down"]).down;
}

/**
 * @internal A per-item `flatMapBatch` step (`map`, `filter`, `filterMap`,
 * `flatMap`, `keyOn`): the operator declares what it is, the executor
 * compiles it (see {@link PerItem}); errors name function `fn`.
 */
export function corePerItem<X, Y>(stepId: string, up: Stream<X>, kind: PerItem["kind"], f: (x: X) => unknown, fn: string): Stream<Y> {
  const perItem: PerItem = keyedItemFns.has(f) ? { kind, fn: f as PerItem["fn"], keyed: true } : { kind, fn: f as PerItem["fn"] };
  const spec = { kind: "flatMapBatch", perItem, fn } as const;
  return defineCore("flatMapBatch", stepId, { up }, spec, ["down"]).down;
}

/** Per-item functions of `[key, value]` items marked by {@link overKeyedItems}. */
const keyedItemFns = new WeakSet<object>();

/**
 * @internal Mark `f`, a per-item function of `[key, value]` items (the
 * wrapper `mapValue` and its kin give `map`, `filter`, `filterMap` or
 * `flatMap`), so that an error of its step names the item's key. The fused
 * loop notes each item's key before calling `f` (a read the JIT folds into
 * the pair it just made) and reports it only when `f` throws.
 */
export function overKeyedItems<F extends (kv: readonly [string, never]) => unknown>(f: F): F {
  keyedItemFns.add(f);
  return f;
}

/** @internal `inspectDebug` calling `inspector`, reported as function `fn`. */
export function coreInspectDebug<X>(
  stepId: string,
  up: Stream<X>,
  inspector: (stepId: string, item: X, epoch: number, worker: number) => void,
  fn: string,
): Stream<X> {
  const spec = { kind: "inspectDebug", inspector: inspector as (s: string, x: unknown, e: number, w: number) => void, fn } as const;
  return defineCore("inspectDebug", stepId, { up }, spec, ["down"]).down;
}

/**
 * @internal `statefulBatch` building logics with `builder`, errors reported
 * for function `fn`. `unordered`, `concurrency`: see the core spec (built-in
 * logics only).
 */
export function coreStatefulBatch<V, W, S>(
  stepId: string,
  up: Stream<readonly [string, V]>,
  builder: (resume: S | undefined, context: RunContext, key: string) => StatefulBatchLogic<V, W, S>,
  fn: string,
  unordered = false,
  concurrency = 0,
): Stream<readonly [string, W]> {
  const spec = {
    kind: "statefulBatch",
    builder: builder as (resume: unknown, context: RunContext, key: string) => unknown,
    fn,
    unordered,
    ...(concurrency > 0 ? { concurrency } : {}),
  } as const;
  return defineCore("statefulBatch", stepId, { up }, spec, ["down"]).down;
}

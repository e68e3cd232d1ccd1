/**
 * `Stream<T>` and `KeyedStream<V>`: handles to the output of a step, with one
 * fluent method per built-in operator.
 *
 * @module
 */
import type { Scope } from "./internal/steps.js";
import { registerStreamClass } from "./internal/scope.js";
import type { DynamicSink, FixedPartitionedSink } from "../outputs/sink.js";
import { branch, type BranchOut } from "./operators/branch.js";
import { filter } from "./operators/filter.js";
import { filterMap } from "./operators/filterMap.js";
import { filterMapValue } from "./operators/filterMapValue.js";
import { filterValue } from "./operators/filterValue.js";
import { flatMap } from "./operators/flatMap.js";
import { flatMapBatch } from "./operators/flatMapBatch.js";
import { flatMapValue } from "./operators/flatMapValue.js";
import { flatten } from "./operators/flatten.js";
import { inspect } from "./operators/inspect.js";
import { inspectDebug } from "./operators/inspectDebug.js";
import { keyOn } from "./operators/keyOn.js";
import { keyRm } from "./operators/keyRm.js";
import { map } from "./operators/map.js";
import { mapAsync, type MapAsyncOptions } from "./operators/mapAsync.js";
import { mapValue } from "./operators/mapValue.js";
import { merge } from "./operators/merge.js";
import { output } from "./operators/output.js";
import { raises } from "./operators/raises.js";
import { redistribute } from "./operators/redistribute.js";
import { statefulBatch } from "./operators/statefulBatch.js";
import { stateful } from "./operators/stateful.js";
import { statefulMap } from "./operators/statefulMap.js";
import { statefulFlatMap } from "./operators/statefulFlatMap.js";
import { collect, type CollectOptions } from "./operators/collect.js";
import { foldFinal } from "./operators/foldFinal.js";
import { reduceFinal } from "./operators/reduceFinal.js";
import { countFinal } from "./operators/countFinal.js";
import { maxFinal } from "./operators/maxFinal.js";
import { minFinal } from "./operators/minFinal.js";
import { enrichCached, type EnrichCachedOptions, type TTLCache } from "./operators/enrichCached.js";
import type { StatefulBatchBuilder, StatefulBuilder } from "./stateful/logic.js";
import { window, type WindowOptions, type WindowOut } from "./windowing/window.js";
import { collectWindow, type CollectWindowOptions } from "./windowing/collectWindow.js";
import { foldWindow } from "./windowing/foldWindow.js";
import { reduceWindow } from "./windowing/reduceWindow.js";
import { maxWindow } from "./windowing/maxWindow.js";
import { minWindow } from "./windowing/minWindow.js";
import { countWindow } from "./windowing/countWindow.js";
import { countAggregate, type CountAggregateOptions } from "./windowing/countAggregate.js";
import { aggregateWindow, type AggregateWindowOptions } from "./windowing/aggregateWindow.js";
import type { Aggregation } from "./windowing/aggregation.js";
import type { Clock } from "./windowing/clock.js";
import type { Windower } from "./windowing/windower.js";
import type { WindowLogicBuilder } from "./windowing/windowLogic.js";

/**
 * A keyed stream: items are `[key, value]` pairs with a string key. Stateful
 * operators take keyed streams; make one with `keyOn`.
 *
 * @typeParam V - Value type.
 * @category Dataflow
 */
export type KeyedStream<V> = Stream<readonly [string, V]>;

/**
 * The output of a step: a typed handle used to add downstream steps. Every
 * built-in operator is a method here with the same arguments minus `up`:
 * `stream.map("m", f)` is `op.map("m", stream, f)`. A stream may feed several
 * steps; each gets every item.
 *
 * @typeParam T - Item type.
 * @category Dataflow
 * @example
 * ```ts
 * flow
 *   .input("in", new TestingSource(["a", "bb"]))
 *   .map("len", (s) => s.length)
 *   .filter("long", (n) => n > 1)
 *   .output("out", new TestingSink(out));
 * // out = [2]
 * ```
 */
export class Stream<out T> {
  /** Id of the port producing this stream, like `"f.add.flat_map_batch.down"`. */
  readonly streamId: string;
  /** @internal Where steps taking this stream are added. */
  readonly _scope: Scope;
  /** @internal Phantom field carrying the item type. */
  declare readonly _item?: T;

  /** @internal Streams are made by operators, never by users. */
  constructor(streamId: string, scope: Scope) {
    this.streamId = streamId;
    this._scope = scope;
  }

  /**
   * The dataflow this stream belongs to.
   *
   * @returns The `Dataflow`.
   */
  flow(): import("./dataflow.js").Dataflow {
    return this._scope.flow as import("./dataflow.js").Dataflow;
  }

  /**
   * Apply a function to this stream: for custom operators in a fluent chain.
   *
   * @param f - Called with this stream.
   * @returns What `f` returns.
   * @example
   * ```ts
   * const doubled = stream.pipe((s) => double("d", s));
   * ```
   */
  pipe<R>(f: (stream: this) => R): R {
    return f(this);
  }

  /** {@inheritDoc sluice!op.flatMapBatch} */
  flatMapBatch<Y>(stepId: string, mapper: (xs: T[]) => Iterable<Y> | Promise<Iterable<Y>>): Stream<Y> {
    return flatMapBatch(stepId, this, mapper);
  }

  /** {@inheritDoc sluice!op.map} */
  map<Y>(stepId: string, mapper: (x: T) => Y): Stream<Y> {
    return map(stepId, this, mapper);
  }

  /** {@inheritDoc sluice!op.mapAsync} */
  mapAsync<Y>(stepId: string, mapper: (x: T) => Promise<Y>, options?: MapAsyncOptions): Stream<Y> {
    return mapAsync(stepId, this, mapper, options);
  }

  /** {@inheritDoc sluice!op.flatMap} */
  flatMap<Y>(stepId: string, mapper: (x: T) => Iterable<Y>): Stream<Y> {
    return flatMap(stepId, this, mapper);
  }

  /** {@inheritDoc sluice!op.filter} */
  filter<Y extends T>(stepId: string, predicate: (x: T) => x is Y): Stream<Y>;
  filter(stepId: string, predicate: (x: T) => boolean): Stream<T>;
  filter(stepId: string, predicate: (x: T) => boolean): Stream<T> {
    return filter(stepId, this, predicate);
  }

  /** {@inheritDoc sluice!op.filterMap} */
  filterMap<Y>(stepId: string, mapper: (x: T) => Y | undefined): Stream<Y> {
    return filterMap(stepId, this, mapper);
  }

  /** {@inheritDoc sluice!op.flatten} */
  flatten<X>(this: Stream<Iterable<X>>, stepId: string): Stream<X> {
    return flatten(stepId, this);
  }

  /** {@inheritDoc sluice!op.keyOn} */
  keyOn(stepId: string, key: (x: T) => string): KeyedStream<T> {
    return keyOn(stepId, this, key);
  }

  /** {@inheritDoc sluice!op.keyRm} */
  keyRm<V>(this: KeyedStream<V>, stepId: string): Stream<V> {
    return keyRm(stepId, this);
  }

  /** {@inheritDoc sluice!op.mapValue} */
  mapValue<V, W>(this: KeyedStream<V>, stepId: string, mapper: (v: V) => W): KeyedStream<W> {
    return mapValue(stepId, this, mapper);
  }

  /** {@inheritDoc sluice!op.flatMapValue} */
  flatMapValue<V, W>(this: KeyedStream<V>, stepId: string, mapper: (v: V) => Iterable<W>): KeyedStream<W> {
    return flatMapValue(stepId, this, mapper);
  }

  /** {@inheritDoc sluice!op.filterValue} */
  filterValue<V, W extends V>(this: KeyedStream<V>, stepId: string, predicate: (v: V) => v is W): KeyedStream<W>;
  filterValue<V>(this: KeyedStream<V>, stepId: string, predicate: (v: V) => boolean): KeyedStream<V>;
  filterValue<V>(this: KeyedStream<V>, stepId: string, predicate: (v: V) => boolean): KeyedStream<V> {
    return filterValue(stepId, this, predicate);
  }

  /** {@inheritDoc sluice!op.filterMapValue} */
  filterMapValue<V, W>(this: KeyedStream<V>, stepId: string, mapper: (v: V) => W | undefined): KeyedStream<W> {
    return filterMapValue(stepId, this, mapper);
  }

  /** {@inheritDoc sluice!op.inspect} */
  inspect(stepId: string, inspector?: (stepId: string, item: T) => void): Stream<T> {
    return inspect(stepId, this, inspector);
  }

  /** {@inheritDoc sluice!op.inspectDebug} */
  inspectDebug(stepId: string, inspector?: (stepId: string, item: T, epoch: number, worker: number) => void): Stream<T> {
    return inspectDebug(stepId, this, inspector);
  }

  /** {@inheritDoc sluice!op.merge} */
  merge<U = never>(stepId: string, ...others: Stream<U>[]): Stream<T | U> {
    return merge(stepId, this as Stream<T | U>, ...others);
  }

  /** {@inheritDoc sluice!op.branch} */
  branch<Y extends T>(stepId: string, predicate: (x: T) => x is Y): BranchOut<Y, Exclude<T, Y>>;
  branch(stepId: string, predicate: (x: T) => boolean): BranchOut<T, T>;
  branch(stepId: string, predicate: (x: T) => boolean): BranchOut<T, T> {
    return branch(stepId, this, predicate);
  }

  /** {@inheritDoc sluice!op.redistribute} */
  redistribute(stepId: string): Stream<T> {
    return redistribute(stepId, this);
  }

  /** {@inheritDoc sluice!op.raises} */
  raises(stepId: string): void {
    raises(stepId, this);
  }

  /** {@inheritDoc sluice!op.output} */
  output<V>(this: KeyedStream<V>, stepId: string, sink: FixedPartitionedSink<V, any>): void;
  output(stepId: string, sink: DynamicSink<T>): void;
  output(stepId: string, sink: FixedPartitionedSink<any, any> | DynamicSink<T>): void {
    output(stepId, this as Stream<any>, sink as DynamicSink<unknown>);
  }

  /** {@inheritDoc sluice!op.statefulBatch} */
  statefulBatch<V, W, S>(this: KeyedStream<V>, stepId: string, builder: StatefulBatchBuilder<V, W, S>): KeyedStream<W> {
    return statefulBatch(stepId, this, builder);
  }

  /** {@inheritDoc sluice!op.stateful} */
  stateful<V, W, S>(this: KeyedStream<V>, stepId: string, builder: StatefulBuilder<V, W, S>): KeyedStream<W> {
    return stateful(stepId, this, builder);
  }

  /** {@inheritDoc sluice!op.statefulMap} */
  statefulMap<V, W, S>(
    this: KeyedStream<V>,
    stepId: string,
    mapper: (state: S | undefined, value: V) => readonly [S | undefined, W],
  ): KeyedStream<W> {
    return statefulMap(stepId, this, mapper);
  }

  /** {@inheritDoc sluice!op.statefulFlatMap} */
  statefulFlatMap<V, W, S>(
    this: KeyedStream<V>,
    stepId: string,
    mapper: (state: S | undefined, value: V) => readonly [S | undefined, Iterable<W>],
  ): KeyedStream<W> {
    return statefulFlatMap(stepId, this, mapper);
  }

  /** {@inheritDoc sluice!op.collect} */
  collect<V>(this: KeyedStream<V>, stepId: string, options?: CollectOptions): KeyedStream<V[]> {
    return collect(stepId, this, options);
  }

  /** {@inheritDoc sluice!op.foldFinal} */
  foldFinal<V, S>(this: KeyedStream<V>, stepId: string, builder: () => S, folder: (state: S, value: V) => S): KeyedStream<S> {
    return foldFinal(stepId, this, builder, folder);
  }

  /** {@inheritDoc sluice!op.reduceFinal} */
  reduceFinal<V>(this: KeyedStream<V>, stepId: string, reducer: (a: V, b: V) => V): KeyedStream<V> {
    return reduceFinal(stepId, this, reducer);
  }

  /** {@inheritDoc sluice!op.countFinal} */
  countFinal(stepId: string, key: (x: T) => string): KeyedStream<number> {
    return countFinal(stepId, this, key);
  }

  /** {@inheritDoc sluice!op.maxFinal} */
  maxFinal<V>(this: KeyedStream<V>, stepId: string, by?: (v: V) => unknown): KeyedStream<V> {
    return maxFinal(stepId, this, by);
  }

  /** {@inheritDoc sluice!op.minFinal} */
  minFinal<V>(this: KeyedStream<V>, stepId: string, by?: (v: V) => unknown): KeyedStream<V> {
    return minFinal(stepId, this, by);
  }

  /** {@inheritDoc sluice!op.enrichCached} */
  enrichCached<DV, Y>(
    stepId: string,
    getter: (key: string) => DV,
    mapper: (cache: TTLCache<DV>, item: T) => Y,
    options?: EnrichCachedOptions,
  ): Stream<Y> {
    return enrichCached(stepId, this, getter, mapper, options);
  }

  /** {@inheritDoc sluice!win.window} */
  window<V, W, S>(
    this: KeyedStream<V>,
    stepId: string,
    clock: Clock<V>,
    windower: Windower,
    builder: WindowLogicBuilder<V, W, S>,
    options?: WindowOptions,
  ): WindowOut<V, W> {
    return window(stepId, this, clock, windower, builder, options);
  }

  /** {@inheritDoc sluice!win.collectWindow} */
  collectWindow<V>(this: KeyedStream<V>, stepId: string, clock: Clock<V>, windower: Windower, options?: CollectWindowOptions<"array">): WindowOut<V, V[]>;
  collectWindow<V>(this: KeyedStream<V>, stepId: string, clock: Clock<V>, windower: Windower, options: CollectWindowOptions<"set">): WindowOut<V, Set<V>>;
  collectWindow<K, U>(
    this: KeyedStream<readonly [K, U]>,
    stepId: string,
    clock: Clock<readonly [K, U]>,
    windower: Windower,
    options: CollectWindowOptions<"map">,
  ): WindowOut<readonly [K, U], Map<K, U>>;
  collectWindow(
    this: KeyedStream<any>,
    stepId: string,
    clock: Clock<any>,
    windower: Windower,
    options?: CollectWindowOptions<"array" | "set" | "map">,
  ): WindowOut<any, any> {
    return collectWindow(stepId, this, clock, windower, options as CollectWindowOptions<"array">);
  }

  /** {@inheritDoc sluice!win.foldWindow} */
  foldWindow<V, S>(
    this: KeyedStream<V>,
    stepId: string,
    clock: Clock<V>,
    windower: Windower,
    builder: () => S,
    folder: (acc: S, value: V) => S,
    merger: (acc: S, original: S) => S,
    options?: WindowOptions,
  ): WindowOut<V, S> {
    return foldWindow(stepId, this, clock, windower, builder, folder, merger, options);
  }

  /** {@inheritDoc sluice!win.reduceWindow} */
  reduceWindow<V>(this: KeyedStream<V>, stepId: string, clock: Clock<V>, windower: Windower, reducer: (a: V, b: V) => V, options?: WindowOptions): WindowOut<V, V> {
    return reduceWindow(stepId, this, clock, windower, reducer, options);
  }

  /** {@inheritDoc sluice!win.maxWindow} */
  maxWindow<V>(this: KeyedStream<V>, stepId: string, clock: Clock<V>, windower: Windower, by?: (value: V) => unknown, options?: WindowOptions): WindowOut<V, V> {
    return maxWindow(stepId, this, clock, windower, by, options);
  }

  /** {@inheritDoc sluice!win.minWindow} */
  minWindow<V>(this: KeyedStream<V>, stepId: string, clock: Clock<V>, windower: Windower, by?: (value: V) => unknown, options?: WindowOptions): WindowOut<V, V> {
    return minWindow(stepId, this, clock, windower, by, options);
  }

  /** {@inheritDoc sluice!win.countWindow} */
  countWindow(stepId: string, clock: Clock<T>, windower: Windower, key: (item: T) => string): WindowOut<T, number> {
    return countWindow(stepId, this, clock, windower, key);
  }

  /** {@inheritDoc sluice!win.aggregateWindow} */
  aggregateWindow<V, A, W>(
    this: KeyedStream<V>,
    stepId: string,
    clock: Clock<V>,
    windower: Windower,
    aggregation: Aggregation<V, A, W>,
    options?: AggregateWindowOptions,
  ): WindowOut<V, W> {
    return aggregateWindow(stepId, this, clock, windower, aggregation, options);
  }

  /** {@inheritDoc sluice!win.countAggregate} */
  countAggregate<V, A, W>(this: KeyedStream<V>, stepId: string, count: number, aggregation: Aggregation<V, A, W>, options?: CountAggregateOptions): KeyedStream<W> {
    return countAggregate(stepId, this, count, aggregation, options);
  }
}

// Operators make streams through the scope module, which imports this one only as a type.
registerStreamClass(Stream);

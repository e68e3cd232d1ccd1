/**
 * Shared helpers of the windowing tests: instants relative to `T0`, a frozen
 * event clock, and a runner that collects a window operator's three outputs.
 */
import { Dataflow, type KeyedStream } from "../../../src/index.js";
import * as win from "../../../src/dataflow/windowing/index.js";
import { TestingSink, TestingSource, TimeTestingGetter, type TestingSourceMarker } from "../../../src/testing/index.js";
import { runAdvancing } from "../../support/virtualTime.js";
import type { FlowRunOptions } from "../helpers.js";

/** The instant windows are aligned to in these tests. */
export const T0 = new Date("2024-01-01T00:00:00Z");

/** `T0 + s` seconds. */
export function at(s: number): Date {
  return new Date(T0.getTime() + s * 1000);
}

/** A timestamped test value. */
export interface Ev<T = string> {
  readonly t: Date;
  readonly v: T;
}

/** `[key, { t: at(s), v }]`. */
export function ev<T = string>(key: string, s: number, v: T): readonly [string, Ev<T>] {
  return [key, { t: at(s), v }];
}

/**
 * An event clock over `Ev.t` whose system time is frozen (a
 * `TimeTestingGetter` the test may advance), so only values move watermarks.
 */
export function frozenClock(waitMs: number, now = new TimeTestingGetter(new Date("2030-01-01T00:00:00Z"))): win.EventClock<Ev<any>> {
  return new win.EventClock((e: Ev<any>) => e.t, waitMs, { nowGetter: () => now.get() });
}

/** What reached the three outputs of a window operator. */
export interface Outs<V, W> {
  down: (readonly [string, readonly [number, W]])[];
  late: (readonly [string, readonly [number, V]])[];
  meta: (readonly [string, readonly [number, win.WindowMetadata]])[];
}

/**
 * Run `items` through a window operator and collect its outputs. On a
 * `VirtualClock` (`options.clock`), the clock advances by `options.advance`
 * ms (default 0) before the run is awaited: see `runAdvancing`.
 */
export async function runWindow<V, W>(
  items: readonly (readonly [string, V] | TestingSourceMarker)[],
  body: (up: KeyedStream<V>) => win.WindowOut<V, W>,
  options: FlowRunOptions = {},
): Promise<Outs<V, W>> {
  const outs: Outs<V, W> = { down: [], late: [], meta: [] };
  const flow = new Dataflow("f");
  const { batchSize = 1, ...runOptions } = options;
  const res = body(flow.input("in", new TestingSource<readonly [string, V]>(items, batchSize)));
  res.down.output("down", new TestingSink(outs.down));
  res.late.output("late", new TestingSink(outs.late));
  res.meta.output("meta", new TestingSink(outs.meta));
  await runAdvancing(flow, runOptions);
  return outs;
}

/** `down` items with the values mapped by `f` (e.g. to drop timestamps). */
export function downOf<V, W, R>(outs: Outs<V, W>, f: (w: W) => R): (readonly [string, readonly [number, R]])[] {
  return outs.down.map(([k, [id, w]]) => [k, [id, f(w)]] as const);
}

/** Values of collected `Ev`s. */
export function vals<T>(evs: readonly Ev<T>[]): T[] {
  return evs.map((e) => e.v);
}

/** Meta items as `[key, id, openSeconds, closeSeconds, mergedIds]` relative to `T0`. */
export function metaOf(outs: Outs<unknown, unknown>): [string, number, number, number, number[]][] {
  return outs.meta.map(([k, [id, m]]) => [
    k,
    id,
    (m.openTime.getTime() - T0.getTime()) / 1000,
    (m.closeTime.getTime() - T0.getTime()) / 1000,
    [...m.mergedIds].sort((a, b) => a - b),
  ]);
}

/** Types flow through the window operators (checked by `tsc`; trivial at run time). */
import { describe, expectTypeOf, it } from "vitest";
import { Dataflow, type KeyedStream } from "../../../src/index.js";
import * as win from "../../../src/dataflow/windowing/index.js";
import { TestingSource } from "../../../src/testing/index.js";

interface Click {
  readonly at: Date;
  readonly page: string;
}

describe("window operator types", () => {
  it("carry value, result and late types", () => {
    const flow = new Dataflow("f");
    const clicks = flow.input("in", new TestingSource<Click>([]));
    const keyed = clicks.keyOn("k", (c) => c.page);
    const clock = new win.EventClock((c: Click) => c.at, 0);
    const tumbling = new win.TumblingWindower(1000);

    const collected = win.collectWindow("c", keyed, clock, tumbling);
    expectTypeOf(collected.down).toEqualTypeOf<KeyedStream<readonly [number, Click[]]>>();
    expectTypeOf(collected.late).toEqualTypeOf<KeyedStream<readonly [number, Click]>>();
    expectTypeOf(collected.meta).toEqualTypeOf<KeyedStream<readonly [number, win.WindowMetadata]>>();
    expectTypeOf(win.collectWindow("s", keyed, clock, tumbling, { into: "set" }).down).toEqualTypeOf<KeyedStream<readonly [number, Set<Click>]>>();
    const pairs = keyed.mapValue("pair", (c) => [c.page, c.at.getTime()] as const);
    const pairClock = new win.EventClock((p: readonly [string, number]) => new Date(p[1]), 0);
    expectTypeOf(win.collectWindow("m", pairs, pairClock, tumbling, { into: "map" }).down).toEqualTypeOf<
      KeyedStream<readonly [number, Map<string, number>]>
    >();

    // A SystemClock fits any value type.
    expectTypeOf(win.countWindow("n", clicks, new win.SystemClock(), tumbling, (c) => c.page).down).toEqualTypeOf<
      KeyedStream<readonly [number, number]>
    >();
    expectTypeOf(win.foldWindow("f", keyed, clock, tumbling, () => 0, (n, c) => n + c.page.length, (a, b) => a + b).down).toEqualTypeOf<
      KeyedStream<readonly [number, number]>
    >();
    expectTypeOf(win.maxWindow("max", keyed, clock, tumbling, (c) => c.at).down).toEqualTypeOf<KeyedStream<readonly [number, Click]>>();

    const other = flow.input("in2", new TestingSource<readonly [string, { at: Date; n: number }]>([]));
    const both = new win.EventClock((v: { at: Date }) => v.at, 0);
    expectTypeOf(win.joinWindow("j", both, tumbling, [keyed, other]).down).toEqualTypeOf<
      KeyedStream<readonly [number, [Click | undefined, { at: Date; n: number } | undefined]]>
    >();
    expectTypeOf(win.joinWindow("jc", both, tumbling, [keyed, other], { emitMode: "complete" }).down).toEqualTypeOf<
      KeyedStream<readonly [number, [Click, { at: Date; n: number }]]>
    >();

    // @ts-expect-error a clock of another value type does not fit
    win.collectWindow("bad", keyed, new win.EventClock((n: number) => new Date(n), 0), tumbling);
  });

  it("countAggregate carries the aggregation's output type, on keyed streams only", () => {
    const flow = new Dataflow("f");
    const keyed = flow.input("in", new TestingSource<readonly [string, Click]>([]));
    const pages: win.Aggregation<Click, string[], string> = {
      initial: () => [],
      update: (c, acc) => [...acc, c.page],
      combine: (a, b) => [...a, ...b],
      output: (_key, acc) => acc.join(","),
    };
    expectTypeOf(keyed.countAggregate("c", 10, pages)).toEqualTypeOf<KeyedStream<string>>();
    expectTypeOf(win.countAggregate("w", keyed, 10, pages, { timeout: 1000 })).toEqualTypeOf<KeyedStream<string>>();

    const clicks = flow.input("clicks", new TestingSource<Click>([]));
    // @ts-expect-error not a keyed stream
    clicks.countAggregate("bad", 10, pages);
  });
});

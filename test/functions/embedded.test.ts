// Embedded functions: every context operation, on the virtual clock.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BuildError, Dataflow, initDbDir, RecoveryConfig, StepError, type Stream } from "../../src/index.js";
import { TestingSink, TestingSource, VirtualClock } from "../../src/testing/index.js";
import { runFlow } from "../../src/run/runMain.js";
import { applyFunctions, bind, jsonType, message, Message, simpleType, types, valueSpec, type Address, type BoundFunction } from "../../src/functions/index.js";
import { afterAdvance, T_START } from "../support/virtualTime.js";

type Item = readonly [target: string, id: string, value: string] | ReturnType<typeof TestingSource.PAUSE>;

/** Ingress from `[typename, id, string]` triples (and pauses), in batches of `batchSize`, to `modules`; the egress `test.io/out` as strings. */
function functionsFlow(items: Item[], modules: BoundFunction[], batchSize = 1): { flow: Dataflow; out: string[]; times: number[]; clock: VirtualClock } {
  const clock = new VirtualClock(T_START);
  const out: string[] = [];
  const times: number[] = [];
  const flow = new Dataflow("f");
  const ingress: Stream<Message> = flow
    .input("in", new TestingSource(items as (readonly [string, string, string])[], batchSize))
    .map("msg", ([t, id, v]) => message(t, id, v, types.string));
  applyFunctions("fns", ingress, modules)
    .egress("test.io/out", types.string)
    .inspect("when", () => void times.push(clock.now() - T_START))
    .output("out", new TestingSink(out));
  return { flow, out, times, clock };
}

const show = (a: Address | undefined): string => (a === undefined ? "ingress" : `${a.typename}:${a.id}`);

describe("embedded functions", () => {
  it("keep state per address and send messages to each other", async () => {
    const person = bind({
      typename: "g.fns/person",
      specs: { visits: valueSpec(types.int) },
      fn(ctx) {
        const visits = (ctx.storage.visits ?? 0) + 1;
        ctx.storage.visits = visits;
        ctx.send(message("g.fns/greeter", ctx.self.id, visits, types.int));
      },
    });
    const greeter = bind({
      typename: "g.fns/greeter",
      fn(ctx, msg) {
        ctx.sendEgress("test.io/out", `${ctx.self.id} ${msg.as(types.int)} from ${show(ctx.caller)}`, types.string);
      },
    });
    const { flow, out } = functionsFlow([["g.fns/person", "ann", ""], ["g.fns/person", "bob", ""], ["g.fns/person", "ann", ""]], [person, greeter]);
    expect(await runFlow(flow)).toBe("eof");
    expect(out.sort()).toEqual(["ann 1 from g.fns/person:ann", "ann 2 from g.fns/person:ann", "bob 1 from g.fns/person:bob"]);
  });

  it("see no caller for ingress messages, and the sender's address otherwise", async () => {
    const callers: string[] = [];
    const a = bind({
      typename: "t.fns/a",
      fn(ctx) {
        callers.push(`a<-${show(ctx.caller)}`);
        ctx.send(message("t.fns/b", "x", "hi", types.string));
      },
    });
    const b = bind({
      typename: "t.fns/b",
      fn(ctx) {
        callers.push(`b<-${show(ctx.caller)}`);
        ctx.sendEgress("test.io/out", "done", types.string);
      },
    });
    const { flow, out } = functionsFlow([["t.fns/a", "1", ""]], [a, b]);
    await runFlow(flow);
    expect(callers).toEqual(["a<-ingress", "b<-t.fns/a:1"]);
    expect(out).toEqual(["done"]);
  });

  it("deliver a delayed message after its delay on the run's clock", async () => {
    const fn = bind({
      typename: "t.fns/d",
      fn(ctx, msg) {
        const v = msg.as(types.string);
        if (v === "start") ctx.sendAfter(250, message("t.fns/d", ctx.self.id, "later", types.string));
        else ctx.sendEgress("test.io/out", `${ctx.self.id} ${v} from ${show(ctx.caller)}`, types.string);
      },
    });
    const { flow, out, times, clock } = functionsFlow([["t.fns/d", "k", "start"], TestingSource.PAUSE(1000)], [fn]);
    await afterAdvance(clock, 1000, runFlow(flow, { clock }));
    expect(out).toEqual(["k later from t.fns/d:k"]);
    expect(times).toEqual([250]);
  });

  it("cancel a delayed message by its token; a token never sent, or already delivered, cancels nothing", async () => {
    const fn = bind({
      typename: "t.fns/c",
      fn(ctx, msg) {
        const v = msg.as(types.string);
        if (v === "arm") ctx.sendAfter(100, message("t.fns/c", ctx.self.id, "fired", types.string), `tok-${ctx.self.id}`);
        else if (v === "disarm") {
          ctx.cancelDelayedMessage(`tok-${ctx.self.id}`);
          ctx.cancelDelayedMessage("never-sent");
        } else ctx.sendEgress("test.io/out", `${ctx.self.id} ${v}`, types.string);
      },
    });
    const { flow, out, times, clock } = functionsFlow(
      [["t.fns/c", "a", "arm"], ["t.fns/c", "b", "arm"], TestingSource.PAUSE(50), ["t.fns/c", "a", "disarm"], TestingSource.PAUSE(100), ["t.fns/c", "b", "disarm"], TestingSource.PAUSE(100)],
      [fn],
    );
    await afterAdvance(clock, 300, runFlow(flow, { clock }));
    expect(out).toEqual(["b fired"]);
    expect(times).toEqual([100]);
  });

  it("forget a value expireAfterWrite after it was written", async () => {
    const fn = bind({
      typename: "t.fns/w",
      specs: { seen: valueSpec(types.int, { expireAfterWrite: 100 }) },
      fn(ctx) {
        const seen = (ctx.storage.seen ?? 0) + 1;
        ctx.storage.seen = seen;
        ctx.sendEgress("test.io/out", `${seen}`, types.string);
      },
    });
    // Written at 0, 60 (the value lives until 160), then 200 (gone: counts from 1 again).
    const { flow, out, clock } = functionsFlow([["t.fns/w", "k", ""], TestingSource.PAUSE(60), ["t.fns/w", "k", ""], TestingSource.PAUSE(140), ["t.fns/w", "k", ""]], [fn]);
    await afterAdvance(clock, 200, runFlow(flow, { clock }));
    expect(out).toEqual(["1", "2", "1"]);
  });

  it("forget a value expireAfterCall after the last call of its instance, a write or not", async () => {
    const fn = bind({
      typename: "t.fns/k",
      specs: { first: valueSpec(types.string, { expireAfterCall: 100 }) },
      fn(ctx, msg) {
        ctx.storage.first ??= msg.as(types.string);
        ctx.sendEgress("test.io/out", ctx.storage.first, types.string);
      },
    });
    // Calls at 0 (written "a"), 80 and 160 (read only: each call keeps it), then 300 (140 after the last call: gone).
    const { flow, out, clock } = functionsFlow(
      [["t.fns/k", "k", "a"], TestingSource.PAUSE(80), ["t.fns/k", "k", "b"], TestingSource.PAUSE(80), ["t.fns/k", "k", "c"], TestingSource.PAUSE(140), ["t.fns/k", "k", "d"]],
      [fn],
    );
    await afterAdvance(clock, 300, runFlow(flow, { clock }));
    expect(out).toEqual(["a", "a", "a", "d"]);
  });

  it("delete a value with `delete ctx.storage.name`, and read jsonType and simpleType values", async () => {
    const list = jsonType<string[]>("t.types/List");
    const upper = simpleType<string>("t.types/Upper", (s) => new TextEncoder().encode(s.toUpperCase()), (b) => new TextDecoder().decode(b));
    const fn = bind({
      typename: "t.fns/s",
      specs: { items: valueSpec(list), last: valueSpec(upper) },
      fn(ctx, msg) {
        const v = msg.as(types.string);
        if (v === "clear") delete ctx.storage.items;
        else ctx.storage.items = [...(ctx.storage.items ?? []), v];
        ctx.storage.last = v;
        ctx.sendEgress("test.io/out", `${JSON.stringify(ctx.storage.items ?? null)} ${ctx.storage.last}`, types.string);
      },
    });
    const { flow, out } = functionsFlow([["t.fns/s", "k", "x"], ["t.fns/s", "k", "y"], ["t.fns/s", "k", "clear"], ["t.fns/s", "k", "z"]], [fn]);
    await runFlow(flow);
    expect(out).toEqual(['["x"] X', '["x","y"] Y', "null CLEAR", '["z"] Z']);
  });

  it("run async functions one message at a time per address, in arrival order, and addresses concurrently", async () => {
    let running = 0;
    let most = 0;
    const fn = bind({
      typename: "t.fns/async",
      specs: { log: valueSpec(jsonType<string[]>("t.types/Log")) },
      async fn(ctx, msg) {
        running++;
        most = Math.max(most, running);
        const v = msg.as(types.string);
        // Later messages of a key finish sooner: order can only come from one-at-a-time.
        await new Promise((resolve) => setTimeout(resolve, 30 - Number(v.slice(1)) * 5));
        ctx.storage.log = [...(ctx.storage.log ?? []), v];
        ctx.sendEgress("test.io/out", `${ctx.self.id}:${ctx.storage.log.join(",")}`, types.string);
        running--;
      },
    });
    const items: Item[] = [];
    for (let i = 0; i < 5; i++) for (const k of ["a", "b", "c", "d"]) items.push(["t.fns/async", k, `m${i}`]);
    const { flow, out } = functionsFlow(items, [fn], 20);
    await runFlow(flow);
    for (const k of ["a", "b", "c", "d"]) expect(out.filter((o) => o.startsWith(`${k}:`)).at(-1)).toBe(`${k}:m0,m1,m2,m3,m4`);
    expect(most).toBeGreaterThan(1);
  });

  it("fail the step on a message to a typename no module serves, naming it and the sender", async () => {
    const fn = bind({ typename: "t.fns/a", fn: (ctx) => ctx.send(message("t.fns/nobody", "z", "", types.string)) });
    const { flow } = functionsFlow([["t.fns/a", "1", ""]], [fn]);
    const err: unknown = await runFlow(flow).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StepError);
    expect((err as StepError).message).toContain("f.fns");
    expect((err as StepError).message).toContain("no module serves typename 't.fns/nobody' (a message to 't.fns/nobody/z' from 't.fns/a/1')");
    const { flow: flow2 } = functionsFlow([["t.fns/zzz", "1", ""]], [fn]);
    await expect(runFlow(flow2)).rejects.toThrow("no module serves typename 't.fns/zzz' (a message to 't.fns/zzz/1' from the ingress)");
  });

  it("fail the step, naming the key, when a function throws", async () => {
    const fn = bind({ typename: "t.fns/boom", fn: () => { throw new Error("kaput"); } });
    const { flow } = functionsFlow([["t.fns/boom", "u1", ""]], [fn]);
    const err = (await runFlow(flow).catch((e: unknown) => e)) as StepError;
    expect(err).toBeInstanceOf(StepError);
    expect(err.message).toBe("error calling `fn` in step 'f.fns' for key 't.fns/boom/u1': kaput");
  });

  it("fail the step, naming the key, when an async function rejects while other addresses still run", async () => {
    const fn = bind({
      typename: "t.fns/slow",
      async fn(ctx) {
        await new Promise((resolve) => setTimeout(resolve, ctx.self.id === "b" ? 1 : 20));
        if (ctx.self.id === "b") throw new Error("b failed");
      },
    });
    const { flow } = functionsFlow([["t.fns/slow", "a", ""], ["t.fns/slow", "b", ""], ["t.fns/slow", "c", ""]], [fn], 3);
    const err = (await runFlow(flow).catch((e: unknown) => e)) as StepError;
    expect(err).toBeInstanceOf(StepError);
    expect(err.message).toBe("error calling `fn` in step 'f.fns' for key 't.fns/slow/b': b failed");
  });

  it("fail the step on a value sent to an egress nobody took", async () => {
    const fn = bind({ typename: "t.fns/e", fn: (ctx) => ctx.sendEgress("test.io/elsewhere", "x", types.string) });
    const { flow } = functionsFlow([["t.fns/e", "1", ""]], [fn]);
    await expect(runFlow(flow)).rejects.toThrow("'t.fns/e/1' sent to the egress 'test.io/elsewhere', which nobody reads");
  });

  it("reject malformed typenames, state names and duplicate modules at build time", () => {
    expect(() => bind({ typename: "nonamespace", fn: () => {} })).toThrow(BuildError);
    expect(() => bind({ typename: "a/b/c", fn: () => {} })).toThrow('the typename of `bind` must be a typename "namespace/name"');
    expect(() => message("bad", "id", "v", types.string)).toThrow(BuildError);
    expect(() => jsonType("x")).toThrow(BuildError);
    expect(() => bind({ typename: "a/b", specs: { "not a name": valueSpec(types.int) }, fn: () => {} })).toThrow(BuildError);
    expect(() => valueSpec(types.int, { expireAfterWrite: 1, expireAfterCall: 1 })).toThrow("not both");
    const fn = bind({ typename: "a/b", fn: () => {} });
    const flow = new Dataflow("f");
    const ingress = flow.input("in", new TestingSource<Message>([]));
    expect(() => applyFunctions("fns", ingress, [fn, fn])).toThrow("two modules serve 'a/b'");
  });
});

describe("embedded functions with recovery", () => {
  it("keep state, messages in flight and delayed messages across a stop; a message that fell due while down comes once, at resume; state that expired while down is gone", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-fns-"));
    initDbDir(dir, 1);
    const recovery = new RecoveryConfig(dir);
    const clock = new VirtualClock(T_START);
    const out: string[] = [];
    const input: (readonly [string, string] | ReturnType<typeof TestingSource.ABORT>)[] = [
      ["a", "go"], ["b", "go"], TestingSource.ABORT(), ["a", "go"], ["c", "go"],
    ];
    const build = (): Dataflow => {
      const counter = bind({
        typename: "t.fns/count",
        specs: { n: valueSpec(types.long), note: valueSpec(types.string, { expireAfterWrite: 30_000 }) },
        fn(ctx, msg) {
          if (msg.is(types.string)) {
            const n = (ctx.storage.n ?? 0) + 1;
            ctx.storage.n = n;
            // Written in the first run, expired while the run was down.
            if (ctx.storage.note !== undefined) ctx.sendEgress("test.io/out", `${ctx.self.id} still has ${ctx.storage.note}`, types.string);
            ctx.storage.note = `note ${n}`;
            // A delayed echo, due long after the first run stopped.
            ctx.sendAfter(10_000, message("t.fns/count", ctx.self.id, n, types.long));
          } else {
            ctx.sendEgress("test.io/out", `${ctx.self.id} echo ${msg.as(types.long)}`, types.string);
          }
        },
      });
      const flow = new Dataflow("f");
      const ingress = flow
        .input("in", new TestingSource(input as (readonly [string, string])[]))
        .map("msg", ([id, v]) => message("t.fns/count", id, v, types.string));
      applyFunctions("fns", ingress, [counter]).egress("test.io/out", types.string).output("out", new TestingSink(out));
      return flow;
    };
    expect(await runFlow(build(), { clock, recovery, epochInterval: 0 })).toBe("aborted");
    expect(out).toEqual([]);
    // The run was down for a minute: a's and b's echoes fell due meanwhile, a's note expired. A pause at the end keeps the input open.
    await clock.advance(60_000);
    input.push(TestingSource.PAUSE(20_000) as never);
    await afterAdvance(clock, 20_000, runFlow(build(), { clock, recovery, epochInterval: 0 }));
    expect(out.sort()).toEqual(["a echo 1", "a echo 2", "b echo 1", "c echo 1"]);
  });
});

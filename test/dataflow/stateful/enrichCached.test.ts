import { describe, expect, it } from "vitest";
import { BuildError, Dataflow, op } from "../../../src/index.js";
import { TestingSource, TimeTestingGetter } from "../../../src/testing/index.js";
import { failThrough, runThrough } from "../helpers.js";

/** An order at a moment: `advance` ms pass on the test clock before it arrives. */
interface Order {
  currency: string;
  amount: number;
  advance: number;
}

const order = (currency: string, amount: number, advance = 0): Order => ({ currency, amount, advance });

describe("op.enrichCached", () => {
  it("calls the getter on a miss, reuses the value within ttl, and again after ttl only", async () => {
    const clock = new TimeTestingGetter(new Date("2024-01-01T00:00:00Z"));
    const fetched: [string, number][] = [];
    const rates: Record<string, number> = { usd: 2, gbp: 3 };
    const getter = (currency: string): number => {
      fetched.push([currency, clock.get().getTime() - Date.parse("2024-01-01T00:00:00Z")]);
      return rates[currency] * 10 ** (fetched.length - 1);
    };
    const out = await runThrough(
      [
        order("usd", 1), // t=0: miss
        order("gbp", 1), // t=0: miss
        order("usd", 2, 500), // t=500: hit
        order("usd", 3, 499), // t=999: hit (age 999 < 1000)
        order("usd", 4, 1), // t=1000: stale, fetched again
        order("gbp", 5), // t=1000: stale, fetched again
        order("usd", 6, 999), // t=1999: hit on the value fetched at 1000
      ],
      (s) =>
        s
          .map("tick", (o) => {
            clock.advance(o.advance);
            return o;
          })
          .enrichCached("rate", getter, (cache, o) => `${o.currency} ${o.amount * cache.get(o.currency)}`, {
            ttl: 1000,
            now: () => clock.get().getTime(),
          }),
    );
    expect(fetched).toEqual([
      ["usd", 0],
      ["gbp", 0],
      ["usd", 1000],
      ["gbp", 1000],
    ]);
    expect(out).toEqual(["usd 2", "gbp 30", "usd 4", "usd 6", "usd 800", "gbp 15000", "usd 1200"]);
  });

  it("without ttl calls the getter once per key, whatever the time", async () => {
    const clock = new TimeTestingGetter(new Date(0));
    let calls = 0;
    const out = await runThrough([order("eur", 1), order("eur", 2, 10 ** 9), order("eur", 3, 10 ** 9)], (s) =>
      op.enrichCached(
        "rate",
        op.map("tick", s, (o) => (clock.advance(o.advance), o)),
        () => ++calls,
        (cache, o) => o.amount * cache.get(o.currency),
        { now: () => clock.get().getTime() },
      ),
    );
    expect(out).toEqual([1, 2, 3]);
    expect(calls).toBe(1);
  });

  it("calls the getter only for the keys the mapper asks for", async () => {
    const asked: string[] = [];
    const out = await runThrough(["a", "skip", "b", "a"], (s) =>
      s.enrichCached(
        "e",
        (k) => {
          asked.push(k);
          return k.toUpperCase();
        },
        (cache, x) => (x === "skip" ? x : cache.get(x)),
      ),
    );
    expect(out).toEqual(["A", "skip", "B", "A"]);
    expect(asked).toEqual(["a", "b"]);
  });

  it("rejects a negative ttl with a BuildError", () => {
    const flow = new Dataflow("f");
    const s = flow.input("in", new TestingSource(["x"]));
    expect(() => s.enrichCached("e", () => 1, (_c, x) => x, { ttl: -1 })).toThrow(BuildError);
  });

  it("a throwing getter is a StepError naming the user's step", async () => {
    const boom = new Error("lookup down");
    const err = await failThrough(
      ["x"],
      (s) =>
        s.enrichCached(
          "e",
          () => {
            throw boom;
          },
          (cache, x) => cache.get(x),
        ),
      { stepId: "f.e", message: ["in step 'f.e'", "lookup down"] },
    );
    expect(err.cause).toBe(boom);
  });
});

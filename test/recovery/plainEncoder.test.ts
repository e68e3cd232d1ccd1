import { deserialize, serialize } from "node:v8";
import { describe, expect, it } from "vitest";
import { encodePlain, isSimplePlain } from "../../src/recovery/plainEncoder.js";
import { defaultSerde } from "../../src/recovery/serde.js";

/** A deterministic generator of plain values: what the fast path must encode exactly as V8 does. */
function randomPlain(seed: number): unknown {
  let s = seed;
  const rnd = (): number => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const str = (): string => {
    const n = Math.floor(rnd() * 12);
    let out = "";
    for (let i = 0; i < n; i++) out += String.fromCharCode(rnd() < 0.8 ? 32 + Math.floor(rnd() * 95) : rnd() < 0.5 ? 0xe9 : 0x4e2d + Math.floor(rnd() * 50));
    return out;
  };
  const value = (depth: number): unknown => {
    const r = rnd();
    if (r < 0.15) return Math.floor(rnd() * 2000) - 1000;
    if (r < 0.25) return (rnd() - 0.5) * 1e6;
    if (r < 0.3) return [2 ** 30 - 1, -(2 ** 30), 2 ** 31 - 1, -(2 ** 31), 2 ** 40, -0, NaN, Infinity][Math.floor(rnd() * 8)];
    if (r < 0.45) return str();
    if (r < 0.5) return [true, false, null, undefined][Math.floor(rnd() * 4)];
    if (depth > 2 || r < 0.75) {
      const o: Record<string, unknown> = {};
      const n = Math.floor(rnd() * 5);
      for (let i = 0; i < n; i++) o[rnd() < 0.2 ? String(Math.floor(rnd() * 20)) : str() || "k"] = depth > 2 ? Math.floor(rnd() * 9) : value(depth + 1);
      return o;
    }
    return Array.from({ length: Math.floor(rnd() * 5) }, () => value(depth + 1));
  };
  return value(0);
}

describe("the default serde's fast path for plain data", () => {
  it("writes exactly what v8.serialize writes", () => {
    const cases: unknown[] = [
      0, 1, -1, 42, 2 ** 30, 2 ** 31, 2 ** 53, -0, 0.5, NaN, -Infinity,
      "", "abc", "é", "日本", "a日", "x".repeat(200), true, false, null, undefined,
      {}, [], { min: -1.5, max: 3, sum: 10, count: 2 }, { a: { b: { c: [1, "two", null] } } },
      { 0: "zero", 10: "ten", x: 1 }, [[], [[]], {}], ["日本", "ab日本", "abc日本"],
    ];
    for (const c of cases) expect(Buffer.from(encodePlain(c)!).toString("hex"), JSON.stringify(c)).toBe(serialize(c).toString("hex"));
    for (let seed = 1; seed <= 500; seed++) {
      const v = randomPlain(seed);
      const bytes = encodePlain(v);
      expect(bytes, `seed ${seed}`).toBeDefined();
      // Bytes may differ from V8's only where V8 holds an integer as a heap number (it then writes a double).
      expect(deserialize(bytes!), `seed ${seed}`).toEqual(v);
      expect(deserialize(bytes!), `seed ${seed}`).toEqual(deserialize(serialize(v)));
    }
  });

  it("leaves everything else to the full path", () => {
    const shared = { a: 1 };
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const holes = [1, 2, 3];
    delete holes[1];
    const extra = Object.assign([1, 2], { tag: "x" });
    const nullProto = Object.create(null) as object;
    const withSymbol = { [Symbol("s")]: 1 };
    const others: unknown[] = [
      new Map([["a", 1]]), new Set([1]), new Date(0), 10n, new Uint8Array(2), new ArrayBuffer(2), /x/,
      { shared, again: shared }, cyclic, holes, extra, nullProto, withSymbol, new (class Foo {})(),
      new Proxy({}, {}), Array.from({ length: 1000 }, (_, i) => i), "x".repeat(70_000), () => 1, Symbol("s"),
    ];
    for (const o of others) {
      expect(encodePlain(o)).toBeUndefined();
      expect(isSimplePlain(o)).toBe(false);
    }
  });

  it("keeps the serde's results and errors", () => {
    const shared = { a: 1 };
    const state = { m: new Map([["k", shared]]), s: shared, d: new Date(5) };
    expect(defaultSerde.deserialize(defaultSerde.serialize(state))).toEqual(state);
    expect(defaultSerde.deserialize(defaultSerde.serialize({ n: 1, t: "x" }))).toEqual({ n: 1, t: "x" });
    expect(() => defaultSerde.serialize({ f: new (class Foo {})() })).toThrow("cannot snapshot a Foo instance at state.f");
    expect(() => defaultSerde.serialize({ [Symbol("s")]: 1 })).toThrow("symbol-keyed property");
  });
});

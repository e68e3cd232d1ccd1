import { describe, expect, it } from "vitest";
import { defaultSerde } from "../../src/index.js";

const roundTrip = (x: unknown): unknown => defaultSerde.deserialize(defaultSerde.serialize(x));

class Foo {
  constructor(readonly n = 1) {}
}

describe("defaultSerde", () => {
  it("serializes to bytes", () => {
    expect(defaultSerde.serialize({ a: 1 })).toBeInstanceOf(Uint8Array);
  });

  it.each<[string, unknown]>([
    ["undefined", undefined],
    ["null", null],
    ["a number", 42.5],
    ["NaN", Number.NaN],
    ["Infinity", -Infinity],
    ["a string", "héllo \u{1F600}"],
    ["a boolean", false],
    ["a BigInt", 12345678901234567890123456789n],
    ["a Date", new Date("2024-02-29T12:34:56.789Z")],
    ["a Map", new Map<unknown, unknown>([["a", 1], [2, { b: [3] }]])],
    ["a Set", new Set(["x", 1, 2n])],
    ["a Uint8Array", new Uint8Array([0, 1, 255])],
    ["a Float64Array", new Float64Array([1.5, -0, Number.NaN])],
    ["a BigInt64Array", new BigInt64Array([1n, -2n])],
    ["an Int16Array", new Int16Array([-300, 300])],
    ["an ArrayBuffer", new Uint8Array([9, 8, 7]).buffer],
    ["a RegExp", /ab+c/gi],
    ["an array with holes and undefined", [1, undefined, "x", null]],
    ["an empty object", {}],
  ])("round-trips %s", (_name, value) => {
    expect(roundTrip(value)).toEqual(value);
  });

  it("round-trips nested plain data with every supported type inside", () => {
    const state = {
      count: 3n,
      seen: new Set(["a", "b"]),
      byKey: new Map([["k", { at: new Date(0), vals: [1, 2, { deep: undefined }] }]]),
      buf: new Uint32Array([1, 2, 3]),
      list: [[1, [2, [3]]], { x: null }],
      missing: undefined,
    };
    const back = roundTrip(state) as typeof state;
    expect(back).toEqual(state);
    // undefined-valued properties are kept, not dropped.
    expect(Object.keys(back)).toContain("missing");
    expect(back.byKey.get("k")!.at).toBeInstanceOf(Date);
    expect(back.buf).toBeInstanceOf(Uint32Array);
    expect(typeof back.count).toBe("bigint");
  });

  it("round-trips shared references and cycles", () => {
    const shared = { v: 1 };
    const state: Record<string, unknown> = { a: shared, b: shared };
    state.self = state;
    const back = roundTrip(state) as Record<string, unknown>;
    expect(back.a).toBe(back.b);
    expect(back.self).toBe(back);
  });

  it("round-trips an object without prototype as plain data", () => {
    const bare = Object.assign(Object.create(null) as Record<string, number>, { a: 1 });
    expect(roundTrip(bare)).toEqual({ a: 1 });
  });

  it("returns a copy: mutating the decoded state does not touch the original", () => {
    const state = { list: [1, 2] };
    const back = roundTrip(state) as typeof state;
    back.list.push(3);
    expect(state.list).toEqual([1, 2]);
  });

  describe("rejects what does not round-trip with a TypeError naming the type and where", () => {
    it.each<[string, unknown, string[]]>([
      ["a class instance", new Foo(), ["Foo instance", "at state"]],
      ["a class instance in an array", { list: [1, new Foo()] }, ["Foo instance", "at state.list[1]"]],
      ["a class instance in a Map", new Map([["k", new Foo()]]), ["Foo instance", 'state.get("k")']],
      ["a class instance in a Set", new Set([new Foo()]), ["Foo instance", "state.<item 0>"]],
      ["a function", () => 1, ["function"]],
      ["a named function in an object", { cb: function handler(): void {} }, ["function handler", "at state.cb"]],
      ["a symbol", Symbol("s"), ["symbol"]],
      ["a symbol-keyed property", { [Symbol("tag")]: 1 }, ["symbol-keyed property", "Symbol(tag)"]],
      ["an Error", new Error("x"), ["Error instance"]],
      ["a WeakMap", new WeakMap(), ["WeakMap instance"]],
      ["a Promise", Promise.resolve(1), ["Promise instance"]],
    ])("%s", (_name, value, fragments) => {
      let err: unknown;
      try {
        defaultSerde.serialize(value);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(TypeError);
      for (const f of fragments) expect((err as Error).message).toContain(f);
    });

    it("tells the user what to do instead", () => {
      expect(() => defaultSerde.serialize(new Foo())).toThrow(/store plain data in the state/);
    });
  });
});

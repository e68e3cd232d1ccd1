import { MessageChannel, Worker } from "node:worker_threads";
import { describe, expect, it, vi } from "vitest";
import { BuildError } from "../../../src/errors.js";
import { ExchangeSerde, TAG_PLAIN, TAG_V8, TAG_V8_SURROGATES, type ExchangeClass } from "../../../src/internal/exchange/exchangeSerde.js";

class Money {
  constructor(
    readonly cents: number,
    readonly currency: string,
  ) {}
  format(): string {
    return `${(this.cents / 100).toFixed(2)} ${this.currency}`;
  }
}

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
  norm(): number {
    return Math.hypot(this.x, this.y);
  }
}

class HttpError extends Error {
  constructor(
    message: string,
    readonly status: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "HttpError";
  }
}

const pointCodec = {
  type: Point,
  encode: (p: Point): [number, number] => [p.x, p.y],
  decode: ([x, y]: [number, number]): Point => new Point(x, y),
};

const serde = new ExchangeSerde([Money, pointCodec, HttpError]);
const roundTrip = (items: unknown[], s = serde): unknown[] => s.decode(s.encode(items));
const roundTripOne = (value: unknown): unknown => roundTrip([value])[0];
/** Round-trip `items` in V8's format (a RegExp first sends the batch there). */
const roundTripV8 = (items: unknown[]): unknown[] => {
  const bytes = serde.encode([/v8/, ...items]);
  expect([TAG_V8, TAG_V8_SURROGATES]).toContain(bytes[0]);
  return serde.decode(bytes).slice(1);
};

/** The error `fn` throws (it must throw). */
function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected a throw");
}

const nullProto = (fields: Record<string, unknown>): object => Object.assign(Object.create(null) as object, fields);
const holey = (): unknown[] => {
  const xs = [1, 2, 3, undefined];
  delete xs[1];
  return xs;
};

describe("ExchangeSerde round-trips", () => {
  it.each<[string, unknown]>([
    ["undefined", undefined],
    ["null", null],
    ["true", true],
    ["an int", -123456],
    ["int32 bounds", [2 ** 31 - 1, -(2 ** 31), 2 ** 31, -(2 ** 31) - 1]],
    ["a double", 0.1],
    ["-0", -0],
    ["NaN", Number.NaN],
    ["Infinity", -Infinity],
    ["a BigInt", -12345678901234567890123456789n],
    ["int64 BigInts", [0n, -1n, 2n ** 63n - 1n, -(2n ** 63n), 2n ** 63n, -(2n ** 63n) - 1n]],
    ["an empty string", ""],
    ["a latin1 string", "crème brûlée"],
    ["a two-byte string", "日本語 text"],
    ["an emoji and a lone surrogate", "\u{1F600}\ud800x"],
    ["a long string", "abc".repeat(100)],
    ["a long two-byte string", "日本".repeat(100)],
    ["an array with holes and undefined", holey()],
    ["nested arrays", [[1, [2, ["three"]]], []]],
    ["a plain object", { a: 1, "odd key": [null], 0: "zero", nested: { deep: undefined } }],
    ["a null-prototype object", nullProto({ a: 1, inner: nullProto({ b: 2 }) })],
    ["a Map", new Map<unknown, unknown>([["a", 1], [{ k: 1 }, new Set([2])]])],
    ["a Set", new Set<unknown>(["x", 1, 2n, { o: 1 }])],
    ["a Date", new Date("2024-02-29T12:34:56.789Z")],
    ["a RegExp", /ab+c/gimsuy],
    ["an ArrayBuffer", new Uint8Array([9, 8, 7]).buffer],
    ["a DataView", new DataView(new Uint8Array([1, 2, 3, 4]).buffer, 1, 2)],
    ["a Buffer", Buffer.from("héllo")],
    ["an empty Buffer", Buffer.alloc(0)],
    ["a Buffer too large for the pool", Buffer.alloc(10_000, 7)],
    ["boxed primitives", [Object(1), Object("s"), Object(false), Object(3n)]],
    ["an Error with a cause", new Error("outer", { cause: new RangeError("inner") })],
    ["a TypeError", new TypeError("bad")],
  ])("%s", (_name, value) => {
    const backs = [roundTripOne(value), (roundTrip([["k", value]])[0] as unknown[])[1], (roundTripOne({ v: value }) as { v: unknown }).v, roundTripV8([value])[0]];
    for (const back of backs) {
      expect(back).toStrictEqual(value);
      if (typeof value === "object" && value !== null) expect(Object.getPrototypeOf(back)).toBe(Object.getPrototypeOf(value));
    }
  });

  it("writes [key, value] items by their own path: every value kind, holes and odd numbers included, in the plain format", () => {
    const holePair = ["k", 1];
    delete holePair[1];
    const pairs: unknown[] = [
      ["a", 0], ["b", -0], ["c", 2 ** 31 - 1], ["d", -(2 ** 31)], ["e", 2 ** 31], ["f", 0.5], ["g", Number.NaN],
      ["h", "text"], ["日本", 1], ["", undefined], ["i", null], ["j", [1, ["x"]]], ["k", { nested: ["y", 2] }],
      ["l", new Money(5, "EUR")], ["m", Buffer.from("b")], ["n", new Map([["z", 1]])], ["o", 10n],
    ];
    const bytes = serde.encode(pairs);
    expect(bytes[0]).toBe(TAG_PLAIN);
    const back = serde.decode(bytes);
    expect(back).toStrictEqual(pairs);
    expect(Object.is((back[1] as unknown[])[1], -0)).toBe(true);
    expect((back[13] as unknown[])[1]).toBeInstanceOf(Money);
    // A pair with a hole goes to V8's format, which keeps the hole.
    const holey = serde.decode(serde.encode([["a", 1], holePair])) as unknown[][];
    expect(holey[1]).toHaveLength(2);
    expect(1 in holey[1]).toBe(false);
    // A pair whose key is not a string, or an array of another length, takes the general path: same round trip.
    const others = [[1, "v"], ["k", 1, 2], ["k"], [["k"], 1]];
    expect(roundTrip(others)).toStrictEqual(others);
  });

  it.each([
    ["plain", [] as unknown[], TAG_PLAIN],
    ["V8", [/v8/], TAG_V8],
  ])("keeps every typed array's own type, in memory of its own (%s format)", (_format, prefix, tag) => {
    const big = new ArrayBuffer(64);
    const views = [
      new Int8Array([-1, 2]), new Uint8Array([1, 255]), new Uint8ClampedArray([0, 255]), new Int16Array([-300, 300]),
      new Uint16Array([65535]), new Int32Array([-(2 ** 31)]), new Uint32Array([2 ** 32 - 1]), new Float32Array([1.5]),
      new Float64Array([Math.PI, -0, Number.NaN]), new BigInt64Array([-(2n ** 63n)]), new BigUint64Array([2n ** 64n - 1n]),
      new Float64Array(big, 8, 2), Buffer.from([1, 2, 3]),
    ];
    const bytes = serde.encode([...prefix, ...views]);
    expect(bytes[0]).toBe(tag);
    const back = serde.decode(bytes).slice(prefix.length) as ArrayBufferView[];
    expect(back).toStrictEqual(views);
    for (let i = 0; i < views.length; i++) {
      expect(Object.getPrototypeOf(back[i]), views[i].constructor.name).toBe(Object.getPrototypeOf(views[i]));
      expect(back[i].buffer).not.toBe(bytes.buffer);
    }
    expect(Buffer.isBuffer(back[12])).toBe(true);
    // A view on part of a larger buffer arrives with just its bytes.
    expect(back[11].byteLength).toBe(16);
    expect(back[11].buffer.byteLength).toBe(16);
    // Changing the batch's bytes afterwards changes nothing decoded.
    bytes.fill(0);
    expect(back).toStrictEqual(views);
  });

  it("keeps shared references and cycles", () => {
    const shared = { v: 1 };
    const cyclic: Record<string, unknown> = { name: "c" };
    cyclic.self = cyclic;
    const map = new Map<unknown, unknown>([[shared, cyclic]]);
    for (const back of [roundTrip([shared, { shared }, cyclic, map]), roundTripV8([shared, { shared }, cyclic, map])]) {
      const [a, b, c, m] = back as [object, { shared: object }, Record<string, unknown>, Map<unknown, unknown>];
      expect(b.shared).toBe(a);
      expect(c.self).toBe(c);
      expect([...m.keys()][0]).toBe(a);
      expect(m.get(a)).toBe(c);
    }
  });

  it("checks items of any size and depth", () => {
    let deep: unknown = "bottom";
    for (let i = 0; i < 200; i++) deep = { next: deep };
    const wide = Array.from({ length: 5000 }, (_, i) => ({ i }));
    expect(roundTrip([deep, wide])).toStrictEqual([deep, wide]);
    const ring: Record<string, unknown>[] = Array.from({ length: 100 }, (_, i) => ({ i }));
    ring.forEach((node, i) => (node.next = ring[(i + 1) % ring.length]));
    const back = roundTripOne(ring[0]) as { i: number; next: unknown };
    let node = back;
    for (let i = 0; i < 100; i++) node = node.next as typeof back;
    expect(node).toBe(back);
  });

  it("writes batches of plain data in the plain format", () => {
    const items: unknown[] = [];
    for (let i = 0; i < 300; i++) {
      const s = `k${i}${"x".repeat(i % 40)}`;
      items.push(s, i * 7919 - 100_000, i / 7, [s, i], [s, `v${i}`], [s, null, undefined, true, false, -0, Number.NaN, 2 ** 31, BigInt(i) << 70n]);
      items.push({ id: i, name: s, tags: [s, [i]], nested: { deep: { deeper: i % 2 === 0 } } });
      items.push({ key: Buffer.from(s), value: Buffer.alloc(i % 100, i), headers: {}, partition: i % 4 });
      if (i % 7 === 0) items.push({ other: "shape" }, { id: -i }, [], new Date(i), new Map<unknown, unknown>([[s, i], [i, [s]]]), new Set([s, i]));
    }
    const bytes = serde.encode(items);
    expect(bytes[0]).toBe(TAG_PLAIN);
    const back = serde.decode(bytes);
    expect(back).toStrictEqual(items);
    expect(Buffer.isBuffer((back[7] as { key: unknown }).key)).toBe(true);
  });

  it("writes strings of any alphabet in the plain format", () => {
    const items = ["ascii", "crème brûlée", "日本語", "\u{1F600}", "\ud800 lone", "\udc00", "", "x".repeat(1000), ["é", { ключ: "значение" }]];
    const bytes = serde.encode(items);
    expect(bytes[0]).toBe(TAG_PLAIN);
    expect(serde.decode(bytes)).toStrictEqual(items);
  });

  it("keeps shared objects, Buffers, Dates, Maps, Sets and cycles through them in the plain format", () => {
    const shared = { v: 1 };
    const buf = Buffer.from("b");
    const date = new Date(5);
    const cyclic: Record<string, unknown> = { name: "c", list: [] };
    cyclic.self = cyclic;
    (cyclic.list as unknown[]).push(cyclic, shared);
    const map = new Map<unknown, unknown>([["date", date]]);
    map.set("map", map);
    const set = new Set<unknown>([shared]);
    set.add(set);
    const floats = new Float64Array([1.5]);
    set.add(floats).add([floats]);
    const bytes = serde.encode([shared, { shared, buf, date }, ["k", buf], cyclic, map, set]);
    expect(bytes[0]).toBe(TAG_PLAIN);
    const [a, b, [, c], d, m, s] = serde.decode(bytes) as [
      object, { shared: object; buf: Buffer; date: Date }, [string, Buffer], Record<string, unknown>, Map<string, unknown>, Set<unknown>,
    ];
    expect(b.shared).toBe(a);
    expect(c).toBe(b.buf);
    expect(d.self).toBe(d);
    expect((d.list as unknown[])[0]).toBe(d);
    expect((d.list as unknown[])[1]).toBe(a);
    expect(m.get("date")).toBe(b.date);
    expect(m.get("map")).toBe(m);
    expect(s.has(a)).toBe(true);
    expect(s.has(s)).toBe(true);
    const [, , f, [g]] = [...s] as [unknown, unknown, Float64Array, [Float64Array]];
    expect(f).toBeInstanceOf(Float64Array);
    expect(g).toBe(f);
  });

  it("sends an array object repeated in a plain batch as equal arrays (arrays are not tracked)", () => {
    const pair = ["k", 1];
    const [a, b] = roundTrip([pair, pair]);
    expect(a).toStrictEqual(b);
    expect(a).not.toBe(b);
  });

  it("sends a Proxy of a plain object or array as the data it shows", () => {
    const target = { a: 1, list: [1, 2] };
    const items = [new Proxy(target, {}), ["k", new Proxy([1, { b: 2 }], {})]];
    const bytes = serde.encode(items);
    expect(bytes[0]).toBe(TAG_PLAIN);
    expect(serde.decode(bytes)).toStrictEqual([target, ["k", [1, { b: 2 }]]]);
  });

  it("keeps an own __proto__ key as a key", () => {
    const odd = JSON.parse('{"a": 1, "__proto__": {"b": 2}}') as object;
    const [back] = roundTrip([odd]) as [object];
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(Object.keys(back)).toEqual(["a", "__proto__"]);
    expect(back).toStrictEqual(odd);
  });

  it("grows for large batches", () => {
    const big = Buffer.alloc(3_000_000, 1);
    const items = ["s".repeat(200_000), Array.from({ length: 20_000 }, (_, i) => ({ i }))];
    const [buf, ...rest] = roundTrip([big, ...items]);
    // (toStrictEqual compares a Buffer byte by byte: seconds for this one.)
    expect(Buffer.isBuffer(buf) && buf.equals(big)).toBe(true);
    expect(rest).toStrictEqual(items);
    expect(roundTrip(["small"])).toEqual(["small"]);
  });

  it("switches to V8's format at the first item the plain format does not take", () => {
    const arrayCycle: unknown[] = [];
    arrayCycle.push(arrayCycle);
    const withClass = [new Money(1, "EUR"), /re/];
    const resizable = new (ArrayBuffer as new (n: number, options: { maxByteLength: number }) => ArrayBuffer)(4, { maxByteLength: 8 });
    for (const odd of [Object(1), ["k", /re/g], { e: new Error("e") }, holey(), new Uint8Array(resizable), arrayCycle, withClass]) {
      const items = ["a", ["k", 1], { a: Buffer.from("x") }, odd, "z"];
      const bytes = serde.encode(items);
      expect(bytes[0]).toBe(odd === withClass ? TAG_V8_SURROGATES : TAG_V8);
      expect(serde.decode(bytes)).toStrictEqual(items);
    }
  });

  it("does not trust for...in when Object.prototype has an enumerable property", () => {
    Object.defineProperty(Object.prototype, "polluted", { value: 1, enumerable: true, configurable: true, writable: true });
    try {
      const items = [{ a: 1 }, ["k", { b: "x" }]];
      const bytes = serde.encode(items);
      expect(bytes[0]).toBe(TAG_V8);
      expect(serde.decode(bytes)).toStrictEqual(items);
    } finally {
      delete (Object.prototype as { polluted?: unknown }).polluted;
    }
  });

  it("returns a new array the caller may change, and leaves the items alone", () => {
    const m = new Money(1, "EUR");
    const items = [["k", { m }], "x"];
    const copy = [["k", { m }], "x"];
    const bytes = serde.encode(items);
    expect(items).toStrictEqual(copy);
    const first = serde.decode(bytes);
    first.push("more");
    (first[0] as unknown[])[0] = "changed";
    expect(serde.decode(bytes)).toHaveLength(2);
    expect((serde.decode(bytes)[0] as unknown[])[0]).toBe("k");
    expect(roundTrip([])).toEqual([]);
  });

  it("gives each batch bytes that own their ArrayBuffer exactly", () => {
    for (const items of [["a", ["k", 1]], [{ a: Buffer.from("x") }], [new Money(1, "EUR")]]) {
      const bytes = serde.encode(items);
      expect(bytes.byteOffset).toBe(0);
      expect(bytes.buffer.byteLength).toBe(bytes.byteLength);
    }
  });
});

describe("ExchangeSerde rejects what cannot cross", () => {
  class Tax {}
  class SubMoney extends Money {}
  class MyMap extends Map {}
  const sym = Symbol("tag");
  const cyclicWithFunction: Record<string, unknown> = {};
  cyclicWithFunction.self = cyclicWithFunction;
  cyclicWithFunction.fn = function later(): void {};
  let deep: Record<string, unknown> = { bad: Symbol("deep") };
  for (let i = 0; i < 100; i++) deep = { d: deep };

  it.each<[string, unknown[], string]>([
    ["an arrow function", [() => 1], "cannot send a function (anonymous) at items[0] across workers: functions cannot cross workers"],
    ["a named function in a pair", [1, ["k", { f: function foo(): void {} }]], "cannot send a function foo at items[1][1].f across workers"],
    ["a symbol", ["a", Symbol("s")], "cannot send a symbol Symbol(s) at items[1] across workers"],
    ["an unregistered class", ["a", "b", "c", ["k", { price: new Tax() }]], "cannot send a Tax instance at items[3][1].price across workers"],
    ["a subclass of a registered class", [new SubMoney(1, "EUR")], "cannot send a SubMoney instance at items[0] across workers"],
    ["a Map subclass", [{ m: new MyMap() }], "cannot send a MyMap instance at items[0].m across workers"],
    ["a WeakMap", [{ cache: new WeakMap() }], "cannot send a WeakMap instance at items[0].cache across workers: WeakMap objects cannot cross workers"],
    ["a WeakSet", [[new WeakSet()]], "cannot send a WeakSet instance at items[0][0] across workers"],
    ["a Promise", [{ "odd key": Promise.resolve(1) }], 'cannot send a Promise instance at items[0]["odd key"] across workers'],
    ["a symbol key", [{ a: 1, [sym]: 2 }], "cannot send a symbol-keyed property Symbol(tag) at items[0] across workers: symbol keys do not cross workers"],
    ["a Map value", [new Map([["k", new Tax()]])], 'cannot send a Tax instance at items[0].get("k") across workers'],
    ["a Map key", [new Map([[new Tax(), 1]])], "cannot send a Tax instance at items[0].<key 0> across workers"],
    ["a Set element", [new Set([1, () => 2])], "cannot send a function (anonymous) at items[0].<element 1> across workers"],
    ["a Map with own properties", [Object.assign(new Map(), { meta: 1 })], "cannot send a Map with own properties (meta) at items[0] across workers: only its entries would arrive"],
    ["an Error with own properties", [Object.assign(new Error("x"), { code: "E1" })], "cannot send an Error with own properties (code) at items[0] across workers"],
    ["a registered instance in an Error's cause", [new Error("x", { cause: new Money(1, "EUR") })], "at items[0].cause across workers"],
    ["a registered class's bad field", [new Money((() => 1) as never, "EUR")], "cannot send a function (anonymous) at items[0].cents across workers"],
    ["a problem inside a cycle", [cyclicWithFunction], "cannot send a function later at items[0].fn across workers"],
    ["a problem deep down", [deep], `cannot send a symbol Symbol(deep) at items[0]${".d".repeat(100)}.bad across workers`],
    ["a Proxy where V8 writes it", ["a", [/re/, new Proxy({}, {})]], "cannot send items[1] across workers: "],
  ])("%s", (_name, items, fragment) => {
    const err = thrown(() => serde.encode(items));
    expect(err).toBeInstanceOf(TypeError);
    expect(err.name).toBe("ExchangeValueError");
    expect(err.message).toContain(fragment);
  });

  it("says how to register a class", () => {
    expect(thrown(() => serde.encode([new Tax()])).message).toContain(
      "send plain data, or register the class with `new Dataflow(id, { exchangeClasses: [Tax] })`",
    );
  });
});

/** The two formats a batch with registered classes may take: a RegExp first sends it to V8's. */
const FORMATS: [string, unknown[], number][] = [
  ["plain format", [], TAG_PLAIN],
  ["V8 format", [/v8/], TAG_V8_SURROGATES],
];

describe("ExchangeSerde with registered classes", () => {
  describe.each(FORMATS)("in the %s", (_format, prefix, tag) => {
    /** Encode `items` after `prefix`, check the format, decode, and drop the prefix. */
    const viaFormat = (items: unknown[], s = serde): unknown[] => {
      const bytes = s.encode([...prefix, ...items]);
      expect(bytes[0]).toBe(tag);
      return s.decode(bytes).slice(prefix.length);
    };

    it("sends instances with their prototype, wherever they are", () => {
      const m = new Money(1250, "EUR");
      const [a, [, b], c, d] = viaFormat([m, ["k", m], { price: m, list: [m] }, nullProto({ m })]) as [Money, [string, Money], { price: Money; list: Money[] }, { m: Money }];
      expect(a).toBeInstanceOf(Money);
      expect(a.format()).toBe("12.50 EUR");
      expect(a).toStrictEqual(m);
      // One instance in, one instance out.
      for (const same of [b, c.price, c.list[0], d.m]) expect(same).toBe(a);
      expect(Object.getPrototypeOf(d)).toBe(null);
    });

    it("sends registered instances inside each other, and cycles through them", () => {
      class Node {
        children: Node[] = [];
        parent: Node | undefined;
        constructor(readonly price: Money) {}
      }
      const s = new ExchangeSerde([Money, Node]);
      const root = new Node(new Money(1, "EUR"));
      const child = new Node(new Money(2, "USD"));
      root.children.push(child);
      child.parent = root;
      const [back] = viaFormat([root], s) as [Node];
      expect(back).toBeInstanceOf(Node);
      expect(back.price.format()).toBe("0.01 EUR");
      expect(back.children[0]).toBeInstanceOf(Node);
      expect(back.children[0].parent).toBe(back);
      expect(back.children[0].price).toBeInstanceOf(Money);
    });

    it("uses a class's own encode and decode, once per instance", () => {
      const encode = vi.fn(pointCodec.encode);
      const decode = vi.fn(pointCodec.decode);
      const s = new ExchangeSerde([{ type: Point, name: "Pt", encode, decode }, Money]);
      const p = new Point(3, 4);
      const [a, b, c] = viaFormat([p, { p }, [new Money(5, "EUR"), new Point(0, 1)]], s) as [Point, { p: Point }, [Money, Point]];
      expect(a).toBeInstanceOf(Point);
      expect(a.norm()).toBe(5);
      expect(b.p).toBe(a);
      expect(c[1]).toStrictEqual(new Point(0, 1));
      expect(encode).toHaveBeenCalledTimes(2);
      expect(decode).toHaveBeenCalledTimes(2);
      expect(decode.mock.calls[0][0]).toStrictEqual([3, 4]);
    });

    it("sends instances inside Maps and Sets", () => {
      const m = new Money(1250, "EUR");
      const [a, map] = viaFormat([m, new Map([[m, new Set([m])]])]) as [Money, Map<Money, Set<Money>>];
      expect([...map.keys()][0]).toBe(a);
      expect([...map.get(a)!][0]).toBe(a);
    });

    it("sets fields as own properties, even where the prototype has a setter", () => {
      class Guarded {
        constructor(value: number) {
          // An own field that shadows the prototype's accessor.
          Object.defineProperty(this, "value", { value, writable: true, enumerable: true, configurable: true });
        }
        get value(): number {
          return -1;
        }
        set value(_v: number) {
          throw new Error("the setter must not run");
        }
      }
      const s = new ExchangeSerde([Guarded]);
      const [back] = viaFormat([new Guarded(7)], s) as [Guarded];
      expect(back).toBeInstanceOf(Guarded);
      expect(back.value).toBe(7);
    });
  });

  it("copies only the containers on the way to a registered instance, also around cycles", () => {
    const cyclic: Record<string, unknown> = { m: new Money(1, "EUR"), re: /x/ };
    cyclic.self = cyclic;
    const plain = { a: [1, 2] };
    const bytes = serde.encode([cyclic, plain]);
    expect(bytes[0]).toBe(TAG_V8_SURROGATES);
    const [c, p] = serde.decode(bytes) as [Record<string, unknown>, unknown];
    expect(c.self).toBe(c);
    expect(c.m).toBeInstanceOf(Money);
    expect(p).toStrictEqual(plain);
    expect(cyclic.m).toBeInstanceOf(Money);
  });

  it("keeps instances that come before the item that sends a batch to V8's format", () => {
    for (const first of [new Money(1, "EUR"), nullProto({ a: 1 }), ["k", { p: new Point(1, 2) }]]) {
      const bytes = serde.encode([first, /x/]);
      expect(bytes[0]).toBe(TAG_V8_SURROGATES);
      expect(serde.decode(bytes)).toStrictEqual([first, /x/]);
    }
  });

  it("sends instances of a class whose prototype has an enumerable property (in V8's format)", () => {
    class Tagged {
      constructor(readonly n: number) {}
    }
    (Tagged.prototype as unknown as { kind: string }).kind = "tagged";
    const s = new ExchangeSerde([Tagged]);
    const bytes = s.encode([new Tagged(1)]);
    expect(bytes[0]).toBe(TAG_V8_SURROGATES);
    const [back] = s.decode(bytes) as [Tagged & { kind: string }];
    expect(back).toBeInstanceOf(Tagged);
    expect(Object.keys(back)).toEqual(["n"]);
    expect(back.kind).toBe("tagged");
  });

  it("checks what encode returns, and refuses a cycle through it", () => {
    const bad = new ExchangeSerde([{ type: Point, encode: () => ({ f: () => 1 }), decode: () => null }]);
    expect(thrown(() => bad.encode([["k", new Point(1, 2)]])).message).toContain("cannot send a function f at items[0][1].<Point encoded>.f across workers");
    const selfish = new ExchangeSerde([{ type: Point, encode: (p: Point) => ({ p }), decode: () => null }]);
    expect(thrown(() => selfish.encode([new Point(1, 2)])).message).toContain("cannot send the Point instance at items[0].<Point encoded>.p across workers: it is part of what its own `encode` returned");
  });

  it("sends registered Error subclasses with message, stack and cause", () => {
    const err = new HttpError("not found", 404, { cause: new Money(1, "EUR") });
    const back = roundTripOne(err) as HttpError;
    expect(back).toBeInstanceOf(HttpError);
    expect(back).toBeInstanceOf(Error);
    expect(back.message).toBe("not found");
    expect(back.status).toBe(404);
    expect(back.name).toBe("HttpError");
    expect(back.stack).toBe(err.stack);
    expect(back.cause).toBeInstanceOf(Money);
    expect(Object.keys(back)).toEqual(Object.keys(err));
  });

  it("does not walk decoded batches that hold no registered instance", () => {
    const decode = vi.fn(pointCodec.decode);
    const s = new ExchangeSerde([{ ...pointCodec, decode }]);
    const bytes = s.encode([{ a: /re/ }]);
    expect(bytes[0]).toBe(TAG_V8);
    s.decode(bytes);
    expect(decode).not.toHaveBeenCalled();
  });

  it("fails to decode an instance of a class this worker did not register", () => {
    expect(thrown(() => new ExchangeSerde().decode(serde.encode([new Money(1, "EUR")]))).message).toContain(
      "no exchange class of that name is registered on this worker",
    );
  });

  it.each<[string, () => readonly ExchangeClass[], string]>([
    ["two classes with the same name", () => [Money, (() => class Money {})()], "exchangeClasses[1] and exchangeClasses[0] are both named 'Money'"],
    ["a custom name taken", () => [Money, { ...pointCodec, name: "Money" }], "are both named 'Money'"],
    ["a class twice", () => [Money, { ...pointCodec, type: Money, name: "Cash" }], "exchangeClasses[1]: Cash is registered twice"],
    ["an anonymous class", () => [(() => class {})()], "exchangeClasses[0]: the class has no name"],
    ["not a class", () => [42 as never], "exchangeClasses[0] must be a class, or { type: SomeClass, encode, decode }; got number"],
    ["an arrow function", () => [(() => 1) as never], "exchangeClasses[0] must be a class"],
    ["a built-in", () => [Map], "exchangeClasses[0]: Map is built in"],
    ["a Map subclass without encode", () => [class Registry extends Map {}], "Registry extends Map, whose instances hold more than their fields"],
    ["a codec without decode", () => [{ type: Point, encode: () => 1 } as never], "needs both an encode and a decode function"],
  ])("throws BuildError for %s", (_name, classes, fragment) => {
    const err = thrown(() => new ExchangeSerde(classes()));
    expect(err).toBeInstanceOf(BuildError);
    expect(err.message).toContain(fragment);
  });
});

describe("ExchangeSerde through real MessagePorts", () => {
  const batches: unknown[][] = [
    ["plain", ["k", 1], ["k", "v"], -0, null, { key: Buffer.from("k"), n: 1 }],
    [{ key: Buffer.from("k1"), value: Buffer.from("v1"), topic: "t", partition: 0, offset: "5", headers: {} }, new Float32Array([1.5]), new Map([["k", Buffer.from("m")]])],
    [["k", new Money(99, "EUR")], nullProto({ a: 1 })],
  ];

  /** Post `bytes` on `port` with its buffer transferred; the buffer is detached here afterwards. */
  function post(port: { postMessage(value: unknown, transferList: ArrayBuffer[]): void }, bytes: Uint8Array<ArrayBuffer>): void {
    const buffer = bytes.buffer;
    port.postMessage({ bytes }, [buffer]);
    expect(buffer.byteLength).toBe(0);
  }

  it("decodes what crossed a MessageChannel with its ArrayBuffer transferred", async () => {
    const { port1, port2 } = new MessageChannel();
    try {
      for (const items of batches) {
        const received = new Promise<Uint8Array>((resolve) => port2.once("message", (msg: { bytes: Uint8Array }) => resolve(msg.bytes)));
        post(port1, serde.encode(items));
        const back = serde.decode(await received);
        expect(back).toStrictEqual(items);
      }
    } finally {
      port1.close();
    }
  });

  it("decodes what another thread sent back", async () => {
    // The worker relays each message as it came, transferring the buffer again.
    const worker = new Worker(
      `const { parentPort } = require("node:worker_threads");
       parentPort.on("message", (msg) => parentPort.postMessage(msg, [msg.bytes.buffer]));`,
      { eval: true },
    );
    try {
      for (const items of batches) {
        const received = new Promise<Uint8Array>((resolve) => worker.once("message", (msg: { bytes: Uint8Array }) => resolve(msg.bytes)));
        post(worker, serde.encode(items));
        const bytes = await received;
        const back = serde.decode(bytes) as unknown[];
        expect(back).toStrictEqual(items);
        if (items[0] instanceof Object && "key" in items[0]) expect(Buffer.isBuffer((back[0] as { key: unknown }).key)).toBe(true);
      }
    } finally {
      await worker.terminate();
    }
  });
});

/**
 * The exchange serde's check that a batch is made only of what crosses
 * workers intact: primitives other than symbols, arrays, plain and
 * null-prototype objects, `Map`, `Set`, `Date`, `RegExp`, `ArrayBuffer`,
 * typed arrays, `Buffer`, `DataView`, `Error`s of the standard types,
 * boxed primitives, and instances of registered classes.
 *
 * The walk is built for the common case, a valid batch: it keeps no path and
 * no set of visited objects. An item with more than {@link MAX_VISITS}
 * objects or nested deeper than {@link MAX_DEPTH} (a cycle, a big shared
 * graph) is checked again with a visited set. On a problem, the item is
 * walked again while keeping its path, to throw an `ExchangeValueError`
 * that names it.
 *
 * @module
 * @internal
 */
import { types } from "node:util";
import { ExchangeValueError } from "../../errors.js";

/** @internal How the walk checks instances of a built-in prototype (a value of {@link BUILT_INS}). */
export type Kind = number;
/** @internal `Map`. */
export const K_MAP: Kind = 0;
/** @internal `Set`. */
export const K_SET: Kind = 1;
/** @internal `Date` and `RegExp`: V8 keeps their value, not their own properties. */
export const K_DATED: Kind = 2;
/** @internal `ArrayBuffer`. */
export const K_ARRAY_BUFFER: Kind = 3;
/** @internal Typed arrays, `Buffer`, `DataView`. */
export const K_VIEW: Kind = 4;
/** @internal `Error` and its standard subtypes. */
export const K_ERROR: Kind = 5;
/** @internal `Number`, `String`, `Boolean` and `BigInt` objects. */
export const K_BOXED: Kind = 6;

/** @internal A registered class, as the serde keeps it. */
export interface ClassEntry {
  /** Its name on the wire (unique among the registered classes). */
  readonly name: string;
  /** The class's `prototype`: instances are recognised by it (not by `instanceof`). */
  readonly proto: object;
  /** Whether its instances are `Error`s (their `message`, `stack` and `cause` cross too). */
  readonly isError: boolean;
  /** The custom encoding, or `undefined` to copy own enumerable fields. */
  readonly encode: ((value: unknown) => unknown) | undefined;
  /** The custom decoding, when `encode` is set. */
  readonly decode: ((data: unknown) => unknown) | undefined;
}

const ERROR_TYPES = [Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError];

/** @internal The typed array classes, `Buffer` and `DataView`, in their wire order (see `exchangeSerde`). */
export const VIEW_TYPES = [
  Buffer, Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array,
  Uint32Array, Float32Array, Float64Array, BigInt64Array, BigUint64Array, DataView,
] as const;

/** @internal The built-in prototypes whose instances cross as they are, and how to check them. */
export const BUILT_INS: ReadonlyMap<object, Kind> = new Map<object, Kind>([
  [Map.prototype, K_MAP],
  [Set.prototype, K_SET],
  [Date.prototype, K_DATED],
  [RegExp.prototype, K_DATED],
  [ArrayBuffer.prototype, K_ARRAY_BUFFER],
  ...VIEW_TYPES.map((t): [object, Kind] => [t.prototype, K_VIEW]),
  ...ERROR_TYPES.map((t): [object, Kind] => [t.prototype, K_ERROR]),
  [Number.prototype, K_BOXED],
  [String.prototype, K_BOXED],
  [Boolean.prototype, K_BOXED],
  [BigInt.prototype, K_BOXED],
]);

/** Objects visited per item before the walk keeps a visited set. */
const MAX_VISITS = 1000;
/** Nesting depth per item before the walk keeps a visited set. */
const MAX_DEPTH = 64;

/** Thrown (and caught) inside the walk: the item needs the visited set. */
const TOO_BIG = Symbol("too big");
/** Thrown (and caught) inside the walk: the item has a problem; walk it again for its path. */
const PROBLEM = Symbol("problem");

const getPrototypeOf = Object.getPrototypeOf;
const isArray = Array.isArray;
const getOwnPropertySymbols = Object.getOwnPropertySymbols;
const OBJECT_PROTO = Object.prototype;
const ARRAY_PROTO = Array.prototype;
const BUFFER_PROTO = Buffer.prototype;

const PLAIN_DATA =
  "only plain data (primitives, arrays, plain objects, Map, Set, Date, RegExp, Error, ArrayBuffer, Buffer, typed arrays) crosses workers as it is";

const PLAIN_ADVICE = "send plain data";

/** `"an"` or `"a"`, for `word`. */
function article(word: string): string {
  return /^[aeiou]/i.test(word) ? "an" : "a";
}

/** @internal Whether `ctor` is a class of the platform (its source is `[native code]`). */
export function isNativeClass(ctor: unknown): boolean {
  return typeof ctor === "function" && /\{\s*\[native code\]\s*\}$/.test(Function.prototype.toString.call(ctor));
}

/** @internal A path segment for an object key: `.name` or `["odd key"]`. */
export function keySegment(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

/** `.get("k")`, `.get(3)` or `.get(<key 2>)`. */
function mapValueSegment(key: unknown, index: number): string {
  if (typeof key === "string") return `.get(${JSON.stringify(key)})`;
  if (typeof key === "number" || typeof key === "boolean") return `.get(${String(key)})`;
  return `.get(<key ${index}>)`;
}

/** @internal The message of an object the walk rejects: its type, and what to do. */
export function describeInstance(obj: object): [what: string, hint: string] {
  const proto = getPrototypeOf(obj) as { constructor?: unknown } | null;
  const ctor = proto?.constructor;
  const name = typeof ctor === "function" && ctor.name !== "" ? ctor.name : undefined;
  if (name === undefined) {
    return [
      "an instance of an anonymous class",
      `${PLAIN_DATA}; send plain data, or register the class with \`new Dataflow(id, { exchangeClasses: [{ type, name, encode, decode }] })\``,
    ];
  }
  if (isNativeClass(ctor)) {
    const kind = proto === null ? undefined : BUILT_INS.get(proto);
    if (kind !== undefined) return [`an object with prototype ${name}.prototype that is not a ${name}`, `${PLAIN_DATA}; send plain data`];
    return [`${article(name)} ${name} instance`, `${name} objects cannot cross workers; ${PLAIN_ADVICE}`];
  }
  return [
    `${article(name)} ${name} instance`,
    `${PLAIN_DATA}; send plain data, or register the class with \`new Dataflow(id, { exchangeClasses: [${name}] })\``,
  ];
}

/**
 * @internal Checks the items of a batch (see the module). One per serde;
 * not re-entrant (the walk runs no user code but getters).
 */
export class BatchCheck {
  /** Set by a check when the value holds a registered class instance or a null-prototype object. */
  needsSurrogates = false;
  private seen: Set<object> | null = null;
  private visits = 0;
  private tracking = false;
  private readonly path: string[] = [];
  /** Whether `Object.prototype` has an enumerable property (then `for...in` would list it); checked per batch. */
  private objectProtoEnumerable = false;

  /** @param classes - The registered classes, by prototype. */
  constructor(private readonly classes: ReadonlyMap<object, ClassEntry>) {}

  /**
   * Check `items[start..]` and set {@link needsSurrogates}.
   *
   * @throws ExchangeValueError naming the first offending value.
   */
  checkItems(items: readonly unknown[], start: number): void {
    this.needsSurrogates = false;
    this.probeObjectProto();
    const n = items.length;
    let i = start;
    while (i < n) {
      i = this.checkFast(items, i);
      if (i < n) {
        this.checkRoot(items[i], `items[${i}]`);
        i++;
      }
    }
  }

  /**
   * Check one value with a visited set (any size, cycles); `needsSurrogates`
   * is set if it holds registered instances (it is not reset first).
   *
   * @param label - The value's path in messages, like `items[3]`.
   * @throws ExchangeValueError naming the first offending value.
   */
  checkRoot(value: unknown, label: string): void {
    this.probeObjectProto();
    this.seen = new Set();
    let ok = false;
    try {
      this.value(value, 0);
      ok = true;
    } catch (err) {
      if (err !== PROBLEM) throw err;
    } finally {
      this.seen = null;
    }
    if (!ok) this.explain(value, label);
  }

  /** Set {@link objectProtoEnumerable}: whether something made a property of `Object.prototype` enumerable. */
  private probeObjectProto(): void {
    this.objectProtoEnumerable = false;
    for (const _ in OBJECT_PROTO) this.objectProtoEnumerable = true;
  }

  /** Check items from `start` without a visited set; returns the length, or the index of an item too big for that. */
  private checkFast(items: readonly unknown[], start: number): number {
    const n = items.length;
    let i = start;
    try {
      for (; i < n; i++) {
        const x = items[i];
        if (typeof x !== "object") {
          if (typeof x === "function" || typeof x === "symbol") throw PROBLEM;
          continue;
        }
        if (x === null) continue;
        // [key, value] pairs of strings and numbers: the common case, in one step.
        if (isArray(x) && x.length === 2 && getPrototypeOf(x) === ARRAY_PROTO) {
          const a = typeof x[0];
          const b = typeof x[1];
          if ((a === "string" || a === "number") && (b === "string" || b === "number")) continue;
        }
        this.visits = 0;
        this.object(x, 0);
      }
    } catch (err) {
      if (err === TOO_BIG) return i;
      if (err === PROBLEM) this.explain(items[i], `items[${i}]`);
      throw err;
    }
    return n;
  }

  /** Walk `value` again, keeping its path, and throw the error for its first problem. */
  private explain(value: unknown, label: string): never {
    this.tracking = true;
    this.seen = new Set();
    this.path.length = 0;
    this.path.push(label);
    try {
      this.value(value, 0);
    } finally {
      this.tracking = false;
      this.seen = null;
      this.path.length = 0;
    }
    throw new Error(`exchange serde: no problem found in ${label} on the second walk`);
  }

  /** Reject the value at the current path: `what` it is and the `hint` of what to do. */
  private fail(what: () => [string, string]): never {
    if (!this.tracking) throw PROBLEM;
    const [description, hint] = what();
    throw new ExchangeValueError(`cannot send ${description} at ${this.path.join("")} across workers: ${hint}`);
  }

  private value(x: unknown, depth: number): void {
    if (typeof x === "object") {
      if (x !== null) this.object(x, depth);
    } else if (typeof x === "function") {
      this.fail(() => [`a function ${x.name || "(anonymous)"}`, `functions cannot cross workers; ${PLAIN_ADVICE}`]);
    } else if (typeof x === "symbol") {
      this.fail(() => [`a symbol ${String(x)}`, `symbols cannot cross workers; ${PLAIN_ADVICE}`]);
    }
  }

  private object(x: object, depth: number): void {
    if (this.seen === null) {
      if (++this.visits > MAX_VISITS || depth > MAX_DEPTH) throw TOO_BIG;
    } else {
      if (this.seen.has(x)) return;
      this.seen.add(x);
    }
    const proto = getPrototypeOf(x) as object | null;
    if (proto === OBJECT_PROTO) {
      this.plainFields(x, depth);
    } else if (proto === ARRAY_PROTO && isArray(x)) {
      this.elements(x, depth);
    } else if (proto === null) {
      this.needsSurrogates = true;
      this.fields(x, depth);
    } else if (proto === BUFFER_PROTO) {
      if (!ArrayBuffer.isView(x)) this.fail(() => describeInstance(x));
    } else {
      const kind = BUILT_INS.get(proto);
      if (kind === undefined) this.instance(x, proto, depth);
      else this.builtIn(x, kind, depth);
    }
  }

  private elements(xs: readonly unknown[], depth: number): void {
    for (let i = 0; i < xs.length; i++) {
      const x = xs[i];
      if (typeof x === "string" || typeof x === "number") continue;
      if (this.tracking) this.path.push(`[${i}]`);
      this.value(x, depth + 1);
      if (this.tracking) this.path.pop();
    }
  }

  /**
   * A plain object's fields. `for...in` lists the own enumerable string keys
   * of an object whose prototype is `Object.prototype` (when nothing made a
   * property of `Object.prototype` enumerable) without the array
   * `Object.keys` allocates: twice as fast.
   */
  private plainFields(x: object, depth: number): void {
    if (this.objectProtoEnumerable) {
      this.fields(x, depth);
      return;
    }
    for (const key in x) {
      const v = (x as Record<string, unknown>)[key];
      if (typeof v === "string" || typeof v === "number") continue;
      if (this.tracking) this.path.push(keySegment(key));
      this.value(v, depth + 1);
      if (this.tracking) this.path.pop();
    }
    this.noSymbolKeys(x);
  }

  /** Own enumerable string-keyed fields. */
  private fields(x: object, depth: number): void {
    const keys = Object.keys(x);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      const v = (x as Record<string, unknown>)[key];
      if (typeof v === "string" || typeof v === "number") continue;
      if (this.tracking) this.path.push(keySegment(key));
      this.value(v, depth + 1);
      if (this.tracking) this.path.pop();
    }
    this.noSymbolKeys(x);
  }

  /** V8 drops symbol-keyed properties: reject them. (The costliest check for small objects, ~50 ns.) */
  private noSymbolKeys(x: object): void {
    const symbols = getOwnPropertySymbols(x);
    if (symbols.length !== 0) {
      this.fail(() => [`a symbol-keyed property ${String(symbols[0])}`, "symbol keys do not cross workers; use a string key"]);
    }
  }

  private instance(x: object, proto: object, depth: number): void {
    const entry = this.classes.get(proto);
    if (entry === undefined) this.fail(() => describeInstance(x));
    this.needsSurrogates = true;
    // Custom-encoded instances: their encoding is checked when it is made.
    if (entry.encode !== undefined) return;
    this.fields(x, depth);
    // A registered Error's cause crosses like its fields (see exchangeSurrogates).
    if (entry.isError && Object.hasOwn(x, "cause")) {
      if (this.tracking) this.path.push(".cause");
      this.value((x as Error).cause, depth + 1);
      if (this.tracking) this.path.pop();
    }
  }

  private builtIn(x: object, kind: Kind, depth: number): void {
    switch (kind) {
      case K_MAP:
        if (!types.isMap(x)) this.fail(() => describeInstance(x));
        this.noOwnFields(x, "its entries");
        this.mapEntries(x, depth);
        return;
      case K_SET:
        if (!types.isSet(x)) this.fail(() => describeInstance(x));
        this.noOwnFields(x, "its elements");
        this.setElements(x, depth);
        return;
      case K_DATED:
        if (!types.isDate(x) && !types.isRegExp(x)) this.fail(() => describeInstance(x));
        this.noOwnFields(x, "its value");
        return;
      case K_ARRAY_BUFFER:
        if (!types.isArrayBuffer(x)) this.fail(() => describeInstance(x));
        return;
      case K_VIEW:
        if (!ArrayBuffer.isView(x)) this.fail(() => describeInstance(x));
        return;
      case K_BOXED:
        if (!types.isBoxedPrimitive(x)) this.fail(() => describeInstance(x));
        return;
      case K_ERROR:
        if (!types.isNativeError(x)) this.fail(() => describeInstance(x));
        this.noOwnFields(x, "its message, stack and cause");
        this.cause(x as Error, depth);
        return;
    }
  }

  /** Maps, Sets, Dates, RegExps and Errors cross without their own enumerable properties: reject those. */
  private noOwnFields(x: object, kept: string): void {
    // `for...in` finds none without allocating (unless Object.prototype has an enumerable property).
    if (!this.objectProtoEnumerable) {
      let any = false;
      for (const _ in x) {
        any = true;
        break;
      }
      if (!any) return;
    }
    const keys = Object.keys(x);
    if (keys.length === 0) return;
    const name = (getPrototypeOf(x) as { constructor: { name: string } }).constructor.name;
    this.fail(() => [
      `${article(name)} ${name} with own properties (${keys.join(", ")})`,
      `only ${kept} would arrive; send the properties as plain data beside it`,
    ]);
  }

  private mapEntries(map: Map<unknown, unknown>, depth: number): void {
    let i = 0;
    for (const [k, v] of map) {
      if (typeof k === "object" || typeof k === "function" || typeof k === "symbol") {
        if (this.tracking) this.path.push(`.<key ${i}>`);
        this.value(k, depth + 1);
        if (this.tracking) this.path.pop();
      }
      if (this.tracking) this.path.push(mapValueSegment(k, i));
      this.value(v, depth + 1);
      if (this.tracking) this.path.pop();
      i++;
    }
  }

  private setElements(set: Set<unknown>, depth: number): void {
    let i = 0;
    for (const v of set) {
      if (this.tracking) this.path.push(`.<element ${i}>`);
      this.value(v, depth + 1);
      if (this.tracking) this.path.pop();
      i++;
    }
  }

  /** A built-in Error's `cause` crosses as V8 writes it: not as a registered class instance. */
  private cause(err: Error, depth: number): void {
    if (!Object.hasOwn(err, "cause")) return;
    const outer = this.needsSurrogates;
    this.needsSurrogates = false;
    if (this.tracking) this.path.push(".cause");
    this.value(err.cause, depth + 1);
    if (this.needsSurrogates) {
      this.fail(() => [
        "an Error whose cause holds registered class instances or null-prototype objects",
        "an Error's cause crosses as V8 writes it; send the cause beside the Error",
      ]);
    }
    if (this.tracking) this.path.pop();
    this.needsSurrogates = outer;
  }
}

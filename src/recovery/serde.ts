/**
 * State serdes: how snapshots become bytes for the recovery store.
 *
 * @module
 */
import { types } from "node:util";
import { deserialize as v8Deserialize, serialize as v8Serialize } from "node:v8";
import { encodePlain, isSimplePlain } from "./plainEncoder.js";

/**
 * Turns snapshots (of keyed state and of source and sink partitions) into
 * bytes and back. A serde must round-trip everything it accepts, and throw a
 * `TypeError` that names the offending value for anything it cannot.
 *
 * @category Recovery
 * @example
 * ```ts
 * const jsonSerde: StateSerde = {
 *   serialize: (state) => new TextEncoder().encode(JSON.stringify(state) ?? "null"),
 *   deserialize: (bytes) => JSON.parse(new TextDecoder().decode(bytes)),
 * };
 * const flow = new Dataflow("f", { stateSerde: jsonSerde });
 * ```
 */
export interface StateSerde {
  /** Encode a snapshot; throw a `TypeError` naming what cannot be encoded. */
  serialize(state: unknown): Uint8Array;
  /** Decode what `serialize` produced. */
  deserialize(bytes: Uint8Array): unknown;
}

const TYPED_ARRAYS: readonly (abstract new (...args: never[]) => unknown)[] = [
  Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array,
  Int32Array, Uint32Array, Float32Array, Float64Array, BigInt64Array, BigUint64Array,
];

function isTypedArray(x: object): boolean {
  return ArrayBuffer.isView(x) && TYPED_ARRAYS.some((t) => x instanceof t);
}

function typeName(x: unknown): string {
  if (typeof x === "function") return `function ${(x as { name?: string }).name || "(anonymous)"}`;
  if (typeof x === "symbol") return "symbol";
  const ctor = (x as object).constructor as { name?: string } | undefined;
  return ctor?.name ? `${ctor.name} instance` : "object with a custom prototype";
}

/**
 * Check that `value` is made only of what the default serde round-trips:
 * primitives other than symbols, `undefined`, `null`, arrays, plain objects,
 * `Map`, `Set`, `Date`, `RegExp`, `ArrayBuffer` and typed arrays.
 *
 * @throws TypeError naming the path and type of the first offending value.
 */
function check(value: unknown, path: string, seen: Set<object>, vouch?: { sure: boolean }): void {
  const t = typeof value;
  if (value === null || t === "undefined" || t === "string" || t === "number" || t === "boolean" || t === "bigint") return;
  if (t === "function" || t === "symbol") {
    throw new TypeError(`cannot snapshot a ${typeName(value)} at ${path}`);
  }
  const obj = value as object;
  if (seen.has(obj)) return;
  seen.add(obj);
  // Only V8's serializer can tell whether a proxy, a buffer or a view encodes (detached buffers do not).
  if (vouch !== undefined && (types.isProxy(obj) || obj instanceof ArrayBuffer || ArrayBuffer.isView(obj))) vouch.sure = false;
  if (Array.isArray(obj)) {
    for (let i = 0; i < obj.length; i++) check(obj[i], `${path}[${i}]`, seen, vouch);
    return;
  }
  if (obj instanceof Map) {
    let i = 0;
    for (const [k, v] of obj) {
      check(k, `${path}.<key ${i}>`, seen, vouch);
      check(v, `${path}.get(${typeof k === "string" ? JSON.stringify(k) : `<key ${i}>`})`, seen, vouch);
      i++;
    }
    return;
  }
  if (obj instanceof Set) {
    let i = 0;
    for (const v of obj) check(v, `${path}.<item ${i++}>`, seen, vouch);
    return;
  }
  if (obj instanceof Date || obj instanceof RegExp || obj instanceof ArrayBuffer || isTypedArray(obj)) return;
  const proto = Object.getPrototypeOf(obj);
  if (proto !== Object.prototype && proto !== null) {
    throw new TypeError(
      `cannot snapshot a ${typeName(obj)} at ${path}: only plain objects, arrays, Map, Set, Date, BigInt and typed arrays ` +
        "round-trip; store plain data in the state and rebuild objects in the builder",
    );
  }
  for (const key of Object.keys(obj)) check((obj as Record<string, unknown>)[key], `${path}.${key}`, seen, vouch);
  for (const sym of Object.getOwnPropertySymbols(obj)) {
    throw new TypeError(`cannot snapshot a symbol-keyed property ${String(sym)} at ${path}`);
  }
}

/**
 * The default serde: V8's structured serialization (fast, binary) after a
 * check that the state is plain data. Round-trips `Map`, `Set`, `Date`,
 * `BigInt`, typed arrays, plain objects, arrays and `undefined`; rejects class
 * instances, functions and symbols with a `TypeError` naming where they are.
 *
 * @category Recovery
 * @example
 * ```ts
 * const bytes = defaultSerde.serialize({ seen: new Set(["a"]), at: new Date(0) });
 * defaultSerde.deserialize(bytes); // { seen: Set { "a" }, at: 1970-01-01T00:00:00.000Z }
 * defaultSerde.serialize(new (class Foo {})()); // TypeError: cannot snapshot a Foo instance at state
 * ```
 */
export const defaultSerde: StateSerde = {
  serialize(state: unknown): Uint8Array {
    const plain = encodePlain(state);
    if (plain !== undefined) return plain;
    check(state, "state", new Set());
    return v8Serialize(state);
  },
  deserialize(bytes: Uint8Array): unknown {
    return v8Deserialize(bytes);
  },
};

/**
 * @internal Check `state` as {@link defaultSerde}'s `serialize` does, without
 * encoding it when the check alone settles that it encodes: for a run whose
 * snapshots nobody stores (no recovery), which must still fail on a state
 * that could not be snapshotted. Throws what `serialize` throws.
 */
export function checkWithDefaultSerde(state: unknown): void {
  if (isSimplePlain(state)) return;
  const vouch = { sure: true };
  check(state, "state", new Set(), vouch);
  if (!vouch.sure) v8Serialize(state);
}

/**
 * Types of the values functions exchange and store: a typename and the
 * bytes of a value, as StateFun's `TypedValue`.
 *
 * @module
 */
import { BuildError, describeType } from "../errors.js";
import * as wire from "./internal/wire.js";

/**
 * How a value is written on the wire and in state: its typename
 * (`namespace/name`) and the functions from a value to bytes and back. The
 * typename travels with every value, so a function can tell what it got
 * (`msg.is(type)`), in TypeScript as in any StateFun SDK.
 *
 * @typeParam T - The value's type.
 * @category Functions
 */
export interface Type<T> {
  /** `namespace/name`, as StateFun names types (`io.statefun.types/int`). */
  readonly typename: string;
  /** The value as bytes. */
  serialize(value: T): Uint8Array;
  /** The value back from bytes written by `serialize` (or another SDK's same type). */
  deserialize(bytes: Uint8Array): T;
}

/** The value type of a {@link Type}. */
export type TypeValue<Ty> = Ty extends Type<infer T> ? T : never;

const TYPENAME = /^[^/\s]+\/[^/\s]+$/;

/**
 * @internal Check that `typename` is `namespace/name` (each non-empty,
 * without `/` or white space); `what` says what it names in the error.
 */
export function checkTypename(typename: unknown, what: string): string {
  if (typeof typename === "string" && checked.has(typename)) return typename;
  if (typeof typename !== "string" || !TYPENAME.test(typename)) {
    throw new BuildError(
      `${what} must be a typename "namespace/name" (like "example/greeter"); got ${typeof typename === "string" ? JSON.stringify(typename) : describeType(typename)}`,
    );
  }
  // Messages are made per item with a handful of typenames: remember them (up to a bound).
  if (checked.size < 10_000) checked.add(typename);
  return typename;
}

/** Typenames already found well-formed. */
const checked = new Set<string>();

/**
 * A type of your own: `typename` and the two functions between values and
 * bytes (StateFun's `simple_type`).
 *
 * @param typename - `namespace/name`.
 * @param serialize - A value to bytes.
 * @param deserialize - Bytes back to a value.
 * @returns The type.
 * @throws {@link sluice!BuildError | BuildError} for a malformed typename.
 * @category Functions
 * @example
 * ```ts
 * const point = simpleType<[number, number]>(
 *   "geo/Point",
 *   ([x, y]) => new Uint8Array(new Float64Array([x, y]).buffer),
 *   (b) => { const f = new Float64Array(b.slice().buffer); return [f[0], f[1]]; },
 * );
 * ```
 */
export function simpleType<T>(typename: string, serialize: (value: T) => Uint8Array, deserialize: (bytes: Uint8Array) => T): Type<T> {
  checkTypename(typename, "the typename of `simpleType`");
  if (typeof serialize !== "function" || typeof deserialize !== "function") {
    throw new BuildError(`\`simpleType\` '${typename}' needs serialize and deserialize functions`);
  }
  return Object.freeze({ typename, serialize, deserialize });
}

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

/**
 * A type whose values are JSON (UTF-8 bytes of `JSON.stringify`), the way
 * StateFun's SDKs usually carry records between languages.
 *
 * @typeParam T - The values' type (plain data: what survives JSON).
 * @param typename - `namespace/name`.
 * @returns The type.
 * @throws {@link sluice!BuildError | BuildError} for a malformed typename.
 * @category Functions
 * @example
 * ```ts
 * interface Visit { name: string; visits: number }
 * const VISIT = jsonType<Visit>("greeter.types/Visit");
 * VISIT.serialize({ name: "ann", visits: 2 }); // the bytes of {"name":"ann","visits":2}
 * ```
 */
export function jsonType<T>(typename: string): Type<T> {
  return simpleType<T>(
    typename,
    (value) => {
      const text = JSON.stringify(value);
      if (text === undefined) throw new TypeError(`a value of type '${typename}' must be JSON; got ${describeType(value)}`);
      return utf8.encode(text);
    },
    (bytes) => JSON.parse(fromUtf8.decode(bytes)) as T,
  );
}

function builtinType<T>(name: string, check: (v: unknown) => v is T, expected: string, ser: (v: T) => Uint8Array, de: (b: Uint8Array) => T): Type<T> {
  const typename = `io.statefun.types/${name}`;
  return Object.freeze({
    typename,
    serialize(value: T): Uint8Array {
      if (!check(value)) throw new TypeError(`a value of type '${typename}' must be ${expected}; got ${describeType(value)}`);
      return ser(value);
    },
    deserialize: de,
  });
}

const isString = (v: unknown): v is string => typeof v === "string";
const isInt = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= -0x80000000 && (v as number) <= 0x7fffffff;
const isLong = (v: unknown): v is number => Number.isSafeInteger(v);
const isNumber = (v: unknown): v is number => typeof v === "number";
const isBool = (v: unknown): v is boolean => typeof v === "boolean";

/**
 * StateFun's built-in types, byte for byte as its SDKs write them (the
 * `io.statefun.types/*` protobuf wrappers): a Python function's `IntType`
 * state or `int_value` message reads here as `types.int`, and back.
 *
 * - `string`, `bool`, `float` (32-bit), `double`;
 * - `int`: a 32-bit signed integer;
 * - `long`: a 64-bit signed integer, as a `number` (a value beyond
 *   `Number.MAX_SAFE_INTEGER` is a `RangeError` both ways, never a rounded number).
 *
 * @category Functions
 * @example
 * ```ts
 * types.int.typename;        // "io.statefun.types/int"
 * types.int.serialize(7);    // Uint8Array [13, 7, 0, 0, 0] (an IntWrapper)
 * ```
 */
export const types: {
  /** `io.statefun.types/string`. */
  readonly string: Type<string>;
  /** `io.statefun.types/int`: a 32-bit signed integer. */
  readonly int: Type<number>;
  /** `io.statefun.types/long`: a 64-bit signed integer, as a safe-integer `number`. */
  readonly long: Type<number>;
  /** `io.statefun.types/float`: 32 bits. */
  readonly float: Type<number>;
  /** `io.statefun.types/double`. */
  readonly double: Type<number>;
  /** `io.statefun.types/bool`. */
  readonly bool: Type<boolean>;
} = Object.freeze({
  string: builtinType("string", isString, "a string", wire.encodeString, wire.decodeString),
  int: builtinType("int", isInt, "a 32-bit integer", wire.encodeInt, wire.decodeInt),
  long: builtinType("long", isLong, "a safe integer", wire.encodeLong, wire.decodeLong),
  float: builtinType("float", isNumber, "a number", wire.encodeFloat, wire.decodeFloat),
  double: builtinType("double", isNumber, "a number", wire.encodeDouble, wire.decodeDouble),
  bool: builtinType("bool", isBool, "a boolean", wire.encodeBool, wire.decodeBool),
});

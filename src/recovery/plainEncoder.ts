/**
 * A fast path of the default serde for the states most steps keep: numbers,
 * strings, booleans, `null`, `undefined`, and small plain objects and arrays
 * of those. It writes V8's serialization format itself (what
 * `v8.serialize` writes, read back by `v8.deserialize`) into a reused
 * scratch buffer, so a snapshot costs neither a `Serializer` nor an
 * off-heap `Buffer`. Anything else (Map, Set, Date, BigInt, typed arrays,
 * shared or cyclic references, holes, extra array properties, class
 * instances, large values) is left to the full path: check, then
 * `v8.serialize`.
 *
 * @module
 * @internal
 */
import { types } from "node:util";
import { serialize as v8Serialize } from "node:v8";

const TAG_UNDEFINED = 0x5f; // '_'
const TAG_NULL = 0x30; // '0'
const TAG_TRUE = 0x54; // 'T'
const TAG_FALSE = 0x46; // 'F'
const TAG_INT32 = 0x49; // 'I'
const TAG_DOUBLE = 0x4e; // 'N'
const TAG_ONE_BYTE_STRING = 0x22; // '"'
const TAG_TWO_BYTE_STRING = 0x63; // 'c'
const TAG_PADDING = 0x00;
const TAG_BEGIN_OBJECT = 0x6f; // 'o'
const TAG_END_OBJECT = 0x7b; // '{'
const TAG_BEGIN_DENSE_ARRAY = 0x41; // 'A'
const TAG_END_DENSE_ARRAY = 0x24; // '$'

/** The header `v8.serialize` writes on this Node (0xFF, then the format version). */
const HEADER = (() => {
  const probe = v8Serialize(null);
  return probe.subarray(0, probe.length - 1);
})();

/** Values larger than this go to the full path (the scratch buffer stays small). */
const MAX_BYTES = 1 << 16;
/** Objects and arrays per value the fast path visits (and checks for sharing) at most. */
const MAX_OBJECTS = 32;
/** Elements of an array the fast path writes at most. */
const MAX_ARRAY = 256;

class TooComplex extends Error {}
const TOO_COMPLEX = new TooComplex();

let buf = new Uint8Array(1024);
let view = new DataView(buf.buffer);
let pos = 0;
const visited: object[] = [];

function ensure(n: number): void {
  if (pos + n <= buf.length) return;
  if (pos + n > MAX_BYTES) throw TOO_COMPLEX;
  const bigger = new Uint8Array(Math.min(MAX_BYTES, Math.max(buf.length * 2, pos + n)));
  bigger.set(buf.subarray(0, pos));
  buf = bigger;
  view = new DataView(buf.buffer);
}

function varint(n: number): void {
  ensure(5);
  while (n >= 0x80) {
    buf[pos++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  buf[pos++] = n;
}

function varintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n >>>= 7;
    size++;
  }
  return size;
}

/**
 * Integers in int32 range as int32, like V8 writes its small integers;
 * others as doubles. (V8 writes a double for an integer it happens to hold
 * as a heap number; both decode to the same number.)
 */
function writeNumber(x: number): void {
  if ((x | 0) === x && !Object.is(x, -0)) {
    ensure(1);
    buf[pos++] = TAG_INT32;
    varint(((x << 1) ^ (x >> 31)) >>> 0);
    return;
  }
  ensure(9);
  buf[pos++] = TAG_DOUBLE;
  view.setFloat64(pos, x, true);
  pos += 8;
}

function writeString(s: string): void {
  const n = s.length;
  let oneByte = true;
  for (let i = 0; i < n; i++) {
    if (s.charCodeAt(i) > 0xff) {
      oneByte = false;
      break;
    }
  }
  if (oneByte) {
    ensure(6 + n);
    buf[pos++] = TAG_ONE_BYTE_STRING;
    varint(n);
    for (let i = 0; i < n; i++) buf[pos++] = s.charCodeAt(i);
    return;
  }
  const bytes = n * 2;
  ensure(7 + bytes);
  // V8 keeps two-byte string data 2-byte aligned with a padding tag.
  if ((pos + 1 + varintSize(bytes)) & 1) buf[pos++] = TAG_PADDING;
  buf[pos++] = TAG_TWO_BYTE_STRING;
  varint(bytes);
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    buf[pos++] = c & 0xff;
    buf[pos++] = c >>> 8;
  }
}

/** A canonical array index ("0", "17"): V8 writes such keys as numbers. */
function arrayIndex(key: string): number {
  const n = key.length;
  if (n === 0 || n > 9) return -1;
  const first = key.charCodeAt(0);
  if (first < 0x30 || first > 0x39 || (first === 0x30 && n > 1)) return -1;
  let v = 0;
  for (let i = 0; i < n; i++) {
    const c = key.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return -1;
    v = v * 10 + (c - 0x30);
  }
  return v;
}

function enter(obj: object): void {
  if (visited.length >= MAX_OBJECTS || visited.includes(obj)) throw TOO_COMPLEX;
  visited.push(obj);
}

function writeValue(x: unknown): void {
  switch (typeof x) {
    case "number":
      writeNumber(x);
      return;
    case "string":
      writeString(x);
      return;
    case "boolean":
      ensure(1);
      buf[pos++] = x ? TAG_TRUE : TAG_FALSE;
      return;
    case "undefined":
      ensure(1);
      buf[pos++] = TAG_UNDEFINED;
      return;
    case "object":
      break;
    default:
      throw TOO_COMPLEX;
  }
  if (x === null) {
    ensure(1);
    buf[pos++] = TAG_NULL;
    return;
  }
  // V8 refuses proxies; the full path reports them.
  if (types.isProxy(x)) throw TOO_COMPLEX;
  if (Array.isArray(x)) {
    writeArray(x);
    return;
  }
  if (Object.getPrototypeOf(x) !== Object.prototype) throw TOO_COMPLEX;
  enter(x);
  const keys = Object.keys(x);
  if (Object.getOwnPropertySymbols(x).length > 0) throw TOO_COMPLEX;
  ensure(1);
  buf[pos++] = TAG_BEGIN_OBJECT;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    const index = arrayIndex(key);
    if (index >= 0) writeNumber(index);
    else writeString(key);
    writeValue((x as Record<string, unknown>)[key]);
  }
  ensure(1);
  buf[pos++] = TAG_END_OBJECT;
  varint(keys.length);
}

function writeArray(xs: unknown[]): void {
  const n = xs.length;
  if (n > MAX_ARRAY || Object.getPrototypeOf(xs) !== Array.prototype) throw TOO_COMPLEX;
  enter(xs);
  // Holes and properties besides the elements are for the full path.
  if (Object.keys(xs).length !== n || Object.getOwnPropertySymbols(xs).length > 0) throw TOO_COMPLEX;
  ensure(1);
  buf[pos++] = TAG_BEGIN_DENSE_ARRAY;
  varint(n);
  for (let i = 0; i < n; i++) writeValue(xs[i]);
  ensure(1);
  buf[pos++] = TAG_END_DENSE_ARRAY;
  varint(0);
  varint(n);
}

/**
 * @internal `v8.serialize(value)`'s encoding of `value` when it is simple
 * plain data (it then needs no further check), else `undefined`.
 */
export function encodePlain(value: unknown): Uint8Array | undefined {
  return write(value) ? buf.slice(0, pos) : undefined;
}

/** @internal Whether {@link encodePlain} encodes `value` (then it is plain data that needs no further check). */
export function isSimplePlain(value: unknown): boolean {
  return write(value);
}

function write(value: unknown): boolean {
  pos = 0;
  visited.length = 0;
  try {
    ensure(HEADER.length);
    buf.set(HEADER, 0);
    pos = HEADER.length;
    writeValue(value);
  } catch (err) {
    if (err === TOO_COMPLEX) return false;
    throw err;
  } finally {
    visited.length = 0;
  }
  return true;
}

/**
 * Writes batches in the exchange serde's plain format (see
 * `exchangePlainFormat`).
 *
 * The hot functions keep the write position in a local and return the new
 * one (negative: {@link NOT_PLAIN} or {@link FULL}); a batch that outgrows
 * the scratch buffer is written again into a bigger one, so no function has
 * to reload the buffer after a call.
 *
 * @module
 * @internal
 */
import { types } from "node:util";
import { VIEW_TYPES, type ClassEntry } from "./exchangeValueCheck.js";
import {
  ASCII_STRINGS, HEADER, T_ARRAY, T_ARRAY_BUFFER, T_BIGINT, T_BIGINT64, T_BUFFER, T_DATE, T_DOUBLE, T_ENCODED, T_FALSE,
  T_INSTANCE, T_INT, T_MAP, T_NULL, T_NULL_PROTO, T_OBJECT, T_REF, T_SET, T_STRING, T_TRUE, T_UNDEFINED, T_VIEW,
} from "./exchangePlainFormat.js";

/** Returned instead of a position: the value is not plain data. */
const NOT_PLAIN = -1;
/** Returned instead of a position: the scratch buffer is too small. */
const FULL = -2;
/** Returned by {@link PlainWriter.write}: every item was written. */
const ALL_WRITTEN = -1;
/** Bytes free at the start of each value: enough for any tag with its numbers. */
const MARGIN = 16;
/** Arrays per item at most (untracked, they could repeat exponentially). */
const MAX_ARRAYS = 10_000;
const MAX_DEPTH = 64;
/** Chars of all strings of a batch at most (their concatenation must stay far below V8's limit). */
const MAX_STRING_CHARS = 1 << 26;
const INITIAL_SCRATCH = 1 << 16;
/** The scratch buffer is dropped after a batch that grew it beyond this. */
const KEEP_SCRATCH = 1 << 20;

const getPrototypeOf = Object.getPrototypeOf;
const getOwnPropertySymbols = Object.getOwnPropertySymbols;
const isArray = Array.isArray;
const OBJECT_PROTO = Object.prototype;
const ARRAY_PROTO = Array.prototype;
const BUFFER_PROTO = Buffer.prototype;
const DATE_PROTO = Date.prototype;
const MAP_PROTO = Map.prototype;
const SET_PROTO = Set.prototype;
const ARRAY_BUFFER_PROTO = ArrayBuffer.prototype;
/** Typed arrays (but `Buffer`) and `DataView`, by prototype: their index in `VIEW_TYPES`. */
const VIEW_KINDS = new Map<object, number>(VIEW_TYPES.map((t, i): [object, number] => [t.prototype, i]));
VIEW_KINDS.delete(BUFFER_PROTO);

/** The keys of the objects of one shape, in order, and the shape's index in the batch. */
interface Shape {
  readonly index: number;
  readonly keys: readonly string[];
}

function writeVarint(buf: Buffer, p: number, n: number): number {
  while (n >= 0x80) {
    buf[p++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  buf[p++] = n;
  return p;
}

/** Whether the enumerable keys of `x` (by `for...in`) are `keys`, in order. */
function hasKeys(x: object, keys: readonly string[]): boolean {
  let j = 0;
  for (const key in x) {
    if (key !== keys[j]) return false;
    j++;
  }
  return j === keys.length;
}

/**
 * Whether `x` or its prototype chain has an enumerable property: then
 * `for...in` on an instance of that prototype would list it, or a `Map`,
 * `Set` or `Date` has properties its entries or value would not carry.
 * (`for...in` allocates nothing, unlike `Object.keys`.)
 */
function hasEnumerable(x: object): boolean {
  for (const _ in x) return true;
  return false;
}

/** Write a name or key: varint length, UTF-16LE code units. */
function writeName(buf: Buffer, p: number, name: string): number {
  p = writeVarint(buf, p, name.length);
  return p + buf.write(name, p, "utf16le");
}

/**
 * @internal Writes batches in the plain format. One per serde: it keeps a
 * scratch buffer between batches.
 */
export class PlainWriter {
  /** Whether the last {@link write} wrote a registered class instance or a null-prototype object. */
  holdsClasses = false;
  private buf = Buffer.allocUnsafeSlow(INITIAL_SCRATCH);
  private end = 0;
  /** Bytes the scratch buffer needs at least, when known, after a write found it FULL. */
  private wanted = 0;
  private readonly ids = new Map<object, number>();
  /** Custom-encoded instances whose encoding is being written (one inside its own encoding is a cycle). */
  private readonly encoding = new Set<object>();
  private readonly shapes: Shape[] = [];
  private readonly shapeIndex = new Map<string, Shape>();
  /** The shape last used at each depth: the candidate for the next object there. */
  private readonly lastShape: (Shape | undefined)[] = [];
  private readonly classTable: ClassEntry[] = [];
  private strings = "";
  private arrays = 0;

  /** @param classes - The registered classes, by prototype. */
  constructor(private readonly classes: ReadonlyMap<object, ClassEntry>) {}

  /**
   * Write `items` after the byte `tag`. Returns -1 when every item was
   * written (take the bytes with {@link take}), else the index of the first
   * item that is not plain data (every item before it is).
   */
  write(items: readonly unknown[], tag: number): number {
    this.holdsClasses = false;
    // `for...in` would list enumerable properties of Object.prototype, if something added one.
    if (hasEnumerable(OBJECT_PROTO)) return 0;
    while (true) {
      const stop = this.tryWrite(items, tag);
      if (stop !== FULL) return stop;
      this.buf = Buffer.allocUnsafeSlow(Math.max(2 * this.buf.length, this.wanted + INITIAL_SCRATCH));
    }
  }

  /** The bytes {@link write} just wrote, in an `ArrayBuffer` of their own (transferable). */
  take(): Uint8Array<ArrayBuffer> {
    const out = new Uint8Array(this.end);
    out.set(this.buf.subarray(0, this.end));
    if (this.buf.length > KEEP_SCRATCH) this.buf = Buffer.allocUnsafeSlow(INITIAL_SCRATCH);
    return out;
  }

  private tryWrite(items: readonly unknown[], tag: number): number {
    this.ids.clear();
    this.encoding.clear();
    this.shapes.length = 0;
    this.shapeIndex.clear();
    this.lastShape.length = 0;
    this.classTable.length = 0;
    this.strings = "";
    const buf = this.buf;
    const n = items.length;
    buf[0] = tag;
    let p = writeVarint(buf, HEADER, n);
    for (let i = 0; i < n; i++) {
      this.arrays = 0;
      const x = items[i];
      if (x === undefined && !(i in items)) return i;
      // `[key, value]`, what every keyed exchange carries: written here, without the general walk.
      if (typeof x === "object" && x !== null && getPrototypeOf(x) === ARRAY_PROTO && isArray(x) && x.length === 2 && typeof x[0] === "string") {
        p = this.keyed(x as unknown[], x[0], p);
      } else {
        p = this.value(x, p, 0);
      }
      if (p < 0) return p === FULL ? FULL : i;
      if (this.strings.length > MAX_STRING_CHARS) return i;
    }
    return this.finish(p);
  }

  /** Write the tables and the string section after the items; ALL_WRITTEN, or FULL. */
  private finish(p: number): number {
    const ascii = Buffer.byteLength(this.strings, "utf8") === this.strings.length;
    let size = p + 2 * MARGIN + (ascii ? 1 : 2) * this.strings.length;
    for (const shape of this.shapes) for (const key of shape.keys) size += MARGIN + 2 * key.length;
    for (const entry of this.classTable) size += MARGIN + 2 * entry.name.length;
    if (size > this.buf.length) {
      this.wanted = size;
      return FULL;
    }
    const buf = this.buf;
    buf[1] = ascii ? ASCII_STRINGS : 0;
    buf.writeUInt32LE(p, 2);
    p = writeVarint(buf, p, this.shapes.length);
    for (const shape of this.shapes) {
      p = writeVarint(buf, p, shape.keys.length);
      for (const key of shape.keys) p = writeName(buf, p, key);
    }
    p = writeVarint(buf, p, this.classTable.length);
    for (const entry of this.classTable) p = writeName(buf, p, entry.name);
    buf.writeUInt32LE(p, 6);
    p += buf.write(this.strings, p, ascii ? "latin1" : "utf16le");
    this.end = p;
    return ALL_WRITTEN;
  }

  /**
   * A `[key, value]` item (an array of two, its first a string): the same
   * bytes as {@link array} writes, with a small integer value written here too.
   */
  private keyed(kv: unknown[], key: string, p: number): number {
    const buf = this.buf;
    if (p + MARGIN > buf.length) return FULL;
    buf[p++] = T_ARRAY;
    buf[p++] = 2;
    buf[p++] = T_STRING;
    this.strings += key;
    p = writeVarint(buf, p, key.length);
    const v = kv[1];
    if (typeof v === "number" && (v | 0) === v && (v !== 0 || 1 / v > 0)) {
      buf[p++] = T_INT;
      return writeVarint(buf, p, ((v << 1) ^ (v >> 31)) >>> 0);
    }
    // A hole reads as undefined; V8's format keeps holes, so leave those arrays to it.
    if (v === undefined && !(1 in kv)) return NOT_PLAIN;
    return this.value(v, p, 1);
  }

  private value(x: unknown, p: number, depth: number): number {
    const buf = this.buf;
    if (p + MARGIN > buf.length) return FULL;
    switch (typeof x) {
      case "string":
        buf[p++] = T_STRING;
        this.strings += x;
        return writeVarint(buf, p, x.length);
      case "number":
        if ((x | 0) === x && (x !== 0 || 1 / x > 0)) {
          buf[p++] = T_INT;
          return writeVarint(buf, p, ((x << 1) ^ (x >> 31)) >>> 0);
        }
        buf[p++] = T_DOUBLE;
        return buf.writeDoubleLE(x, p);
      case "boolean":
        buf[p++] = x ? T_TRUE : T_FALSE;
        return p;
      case "undefined":
        buf[p++] = T_UNDEFINED;
        return p;
      case "object":
        if (x === null) {
          buf[p++] = T_NULL;
          return p;
        }
        return this.object(x, p, depth);
      case "bigint":
        if (BigInt.asIntN(64, x) === x) {
          buf[p++] = T_BIGINT64;
          return buf.writeBigInt64LE(x, p);
        }
        return this.bigint(x, p);
      default:
        return NOT_PLAIN;
    }
  }

  private object(x: object, p: number, depth: number): number {
    const proto = getPrototypeOf(x) as object | null;
    if (proto === ARRAY_PROTO) return isArray(x) ? this.array(x, p, depth) : NOT_PLAIN;
    let entry: ClassEntry | undefined;
    if (proto !== OBJECT_PROTO && proto !== BUFFER_PROTO && proto !== null) {
      if (proto === DATE_PROTO || proto === MAP_PROTO || proto === SET_PROTO) return this.builtIn(x, proto, p, depth);
      if (proto === ARRAY_BUFFER_PROTO || VIEW_KINDS.has(proto)) return this.bytes(x, proto, p);
      entry = this.classes.get(proto);
      // An Error's message and stack are not enumerable fields: the general path carries them.
      if (entry === undefined || entry.isError) return NOT_PLAIN;
    }
    const buf = this.buf;
    const seen = this.ids.get(x);
    if (seen !== undefined) {
      if (this.encoding.has(x)) return NOT_PLAIN;
      buf[p++] = T_REF;
      return writeVarint(buf, p, seen);
    }
    this.ids.set(x, this.ids.size);
    if (proto === BUFFER_PROTO) return this.buffer(x as Buffer, p);
    if (depth > MAX_DEPTH) return NOT_PLAIN;
    if (proto !== OBJECT_PROTO) {
      this.holdsClasses = true;
      if (entry !== undefined) {
        if (entry.encode !== undefined) return this.encoded(x, entry, p, depth);
        if (hasEnumerable(entry.proto)) return NOT_PLAIN;
      }
    }
    let shape = this.lastShape[depth];
    if (shape === undefined || !hasKeys(x, shape.keys)) {
      shape = this.shapeOf(x);
      this.lastShape[depth] = shape;
    }
    // V8 and structured clone drop symbol-keyed properties silently; the general path refuses them.
    if (getOwnPropertySymbols(x).length !== 0) return NOT_PLAIN;
    if (entry !== undefined) {
      buf[p++] = T_INSTANCE;
      p = writeVarint(buf, p, this.classIndex(entry));
    } else {
      buf[p++] = proto === null ? T_NULL_PROTO : T_OBJECT;
    }
    p = writeVarint(buf, p, shape.index);
    for (const key in x) {
      p = this.value((x as Record<string, unknown>)[key], p, depth + 1);
      if (p < 0) return p;
    }
    return p;
  }

  /** A `Date`, `Map` or `Set` (by its prototype; checked for its brand here). */
  private builtIn(x: object, proto: object, p: number, depth: number): number {
    if (proto === DATE_PROTO ? !types.isDate(x) : proto === MAP_PROTO ? !types.isMap(x) : !types.isSet(x)) return NOT_PLAIN;
    if (hasEnumerable(x) || depth > MAX_DEPTH) return NOT_PLAIN;
    const buf = this.buf;
    const seen = this.ids.get(x);
    if (seen !== undefined) {
      buf[p++] = T_REF;
      return writeVarint(buf, p, seen);
    }
    this.ids.set(x, this.ids.size);
    if (proto === DATE_PROTO) {
      buf[p++] = T_DATE;
      return buf.writeDoubleLE((x as Date).getTime(), p);
    }
    if (proto === MAP_PROTO) {
      const map = x as Map<unknown, unknown>;
      buf[p++] = T_MAP;
      p = writeVarint(buf, p, map.size);
      for (const [k, v] of map) {
        p = this.value(k, p, depth + 1);
        if (p < 0) return p;
        p = this.value(v, p, depth + 1);
        if (p < 0) return p;
      }
      return p;
    }
    const set = x as Set<unknown>;
    buf[p++] = T_SET;
    p = writeVarint(buf, p, set.size);
    for (const v of set) {
      p = this.value(v, p, depth + 1);
      if (p < 0) return p;
    }
    return p;
  }

  /** A BigInt beyond int64: its sign, and its digits among the strings. */
  private bigint(x: bigint, p: number): number {
    const digits = (x < 0n ? -x : x).toString(16);
    const buf = this.buf;
    buf[p++] = T_BIGINT;
    buf[p++] = x < 0n ? 1 : 0;
    this.strings += digits;
    return writeVarint(buf, p, digits.length);
  }

  /** A typed array (not a `Buffer`), a `DataView` or an `ArrayBuffer`: its type and its bytes. */
  private bytes(x: object, proto: object, p: number): number {
    const isBuffer = proto === ARRAY_BUFFER_PROTO;
    if (isBuffer ? !types.isArrayBuffer(x) : !ArrayBuffer.isView(x)) return NOT_PLAIN;
    // A resizable ArrayBuffer would arrive fixed: V8's format keeps it (not a view's, which arrives on fixed memory either way).
    const memory = isBuffer ? (x as ArrayBuffer) : (x as ArrayBufferView).buffer;
    if ((memory as { resizable?: boolean }).resizable === true) return NOT_PLAIN;
    const buf = this.buf;
    const seen = this.ids.get(x);
    if (seen !== undefined) {
      buf[p++] = T_REF;
      return writeVarint(buf, p, seen);
    }
    this.ids.set(x, this.ids.size);
    const bytes = isBuffer ? new Uint8Array(memory) : new Uint8Array(memory, (x as ArrayBufferView).byteOffset, (x as ArrayBufferView).byteLength);
    const n = bytes.byteLength;
    if (p + MARGIN + n > buf.length) {
      this.wanted = p + MARGIN + n;
      return FULL;
    }
    if (isBuffer) {
      buf[p++] = T_ARRAY_BUFFER;
    } else {
      buf[p++] = T_VIEW;
      buf[p++] = VIEW_KINDS.get(proto)!;
    }
    p = writeVarint(buf, p, n);
    buf.set(bytes, p);
    return p + n;
  }

  /** An instance of a class with `encode`: its class, then what `encode` returned. */
  private encoded(x: object, entry: ClassEntry, p: number, depth: number): number {
    const data = entry.encode!(x);
    const buf = this.buf;
    buf[p++] = T_ENCODED;
    p = writeVarint(buf, p, this.classIndex(entry));
    this.encoding.add(x);
    p = this.value(data, p, depth + 1);
    this.encoding.delete(x);
    return p;
  }

  private array(xs: readonly unknown[], p: number, depth: number): number {
    if (++this.arrays > MAX_ARRAYS || depth > MAX_DEPTH) return NOT_PLAIN;
    const n = xs.length;
    const buf = this.buf;
    buf[p++] = T_ARRAY;
    p = writeVarint(buf, p, n);
    for (let i = 0; i < n; i++) {
      const x = xs[i];
      // A hole reads as undefined; V8's format keeps holes, so leave those arrays to it.
      if (x === undefined && !(i in xs)) return NOT_PLAIN;
      p = this.value(x, p, depth + 1);
      if (p < 0) return p;
    }
    return p;
  }

  private buffer(x: Buffer, p: number): number {
    if (!ArrayBuffer.isView(x)) return NOT_PLAIN;
    const n = x.byteLength;
    const buf = this.buf;
    if (p + MARGIN + n > buf.length) {
      this.wanted = p + MARGIN + n;
      return FULL;
    }
    buf[p++] = T_BUFFER;
    p = writeVarint(buf, p, n);
    if (n <= 32) {
      for (let i = 0; i < n; i++) buf[p + i] = x[i];
    } else {
      buf.set(x, p);
    }
    return p + n;
  }

  /** The shape of `x`'s keys, added to the batch's shapes if new. */
  private shapeOf(x: object): Shape {
    const keys = Object.keys(x);
    let signature = "";
    for (const key of keys) signature += `${key.length}:${key}`;
    let shape = this.shapeIndex.get(signature);
    if (shape === undefined) {
      shape = { index: this.shapes.length, keys };
      this.shapes.push(shape);
      this.shapeIndex.set(signature, shape);
    }
    return shape;
  }

  /** The index of `entry` in the batch's class table, added if new (a batch holds few classes). */
  private classIndex(entry: ClassEntry): number {
    const index = this.classTable.indexOf(entry);
    if (index >= 0) return index;
    this.classTable.push(entry);
    return this.classTable.length - 1;
  }
}

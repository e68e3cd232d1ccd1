/**
 * The exchange serde's hand-written format for what most exchanges carry:
 * primitives (not BigInt), strings, arrays, plain objects and `Buffer`s.
 * Writing checks as it goes, so a batch of such items needs no separate
 * check; anything else (a `Map`, a class instance, a BigInt, a hole, a
 * symbol key...) stops the writer and the caller uses the general path.
 *
 * Why not V8's format for these: measured on 1000-item batches, its reader
 * spends ~240 ns on a `[string, number]` pair and ~800 on a small object
 * (every object is registered for back-references, every key read as a
 * string), and each `Buffer` costs two calls between C++ and JS. Here:
 *
 * - strings are written by one native call per batch (their concatenation,
 *   at the end), read by one `String.fromCharCode` call each (short ones);
 * - an object is its shape's index (its keys, once per batch) and its
 *   values;
 * - objects and `Buffer`s that appear again are back-references, so shared
 *   references and cycles through them arrive as they were. Arrays are not
 *   tracked: an array object that appears twice arrives as two equal arrays
 *   (tracking them would cost a map lookup per `[key, value]` pair), and a
 *   cycle through arrays alone sends the batch to the general path.
 *
 * A Proxy whose prototype is `Object.prototype` or `Array.prototype` is
 * written as the plain data it shows (V8's format refuses proxies).
 *
 * Layout: tag byte, flags byte (bit 0: the string section is UTF-16LE, else
 * ASCII), u32 LE offset of the shape table, u32 LE offset of the string
 * section, varint item count, the items (`T_*` tag byte and payload each),
 * the shape table (varint count; per shape a varint key count, per key a
 * varint length and its UTF-16LE code units), the string section.
 *
 * @module
 * @internal
 */

const T_UNDEFINED = 0;
const T_NULL = 1;
const T_TRUE = 2;
const T_FALSE = 3;
/** Zigzag varint of an int32. */
const T_INT = 4;
/** float64, little-endian. */
const T_DOUBLE = 5;
/** Varint length in chars; the chars are next in the string section. */
const T_STRING = 6;
/** Varint element count, then the elements. */
const T_ARRAY = 7;
/** Varint shape index, then the values in the shape's key order. */
const T_OBJECT = 8;
/** Varint byte length, then the bytes. */
const T_BUFFER = 9;
/** Varint index of an object or Buffer seen before (in the order they were first written). */
const T_REF = 10;

/** Returned by the writer's functions instead of a position: the value is not plain data. */
const NOT_PLAIN = -1;
/** Returned by the writer's functions instead of a position: the scratch buffer is too small. */
const FULL = -2;
/** Returned by {@link PlainWriter.write}: every item was written. */
const ALL_WRITTEN = -1;
/** Bytes free at the start of each value: enough for any tag with a number or a length. */
const MARGIN = 16;
/** Arrays per item at most (untracked, they could repeat exponentially), and nesting depth. */
const MAX_ARRAYS = 10_000;
const MAX_DEPTH = 64;
/** Chars of all strings of a batch at most (their concatenation must stay far below V8's limit). */
const MAX_STRING_CHARS = 1 << 26;
const INITIAL_SCRATCH = 1 << 16;
/** The scratch buffer is dropped after a batch that grew it beyond this. */
const KEEP_SCRATCH = 1 << 20;
/** Bytes of a header: tag, flags, two u32 offsets. */
const HEADER = 10;

const getPrototypeOf = Object.getPrototypeOf;
const getOwnPropertySymbols = Object.getOwnPropertySymbols;
const isArray = Array.isArray;
const OBJECT_PROTO = Object.prototype;
const ARRAY_PROTO = Array.prototype;
const BUFFER_PROTO = Buffer.prototype;

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

/** Whether the own enumerable keys of `x` (by `for...in`) are `keys`, in order. */
function hasKeys(x: object, keys: readonly string[]): boolean {
  let j = 0;
  for (const key in x) {
    if (key !== keys[j]) return false;
    j++;
  }
  return j === keys.length;
}

/**
 * @internal Writes batches in the plain format. One per serde: it keeps a
 * scratch buffer between batches.
 */
export class PlainWriter {
  private buf = Buffer.allocUnsafeSlow(INITIAL_SCRATCH);
  private end = 0;
  private readonly ids = new Map<object, number>();
  private readonly shapes: Shape[] = [];
  private readonly shapeIndex = new Map<string, Shape>();
  /** The shape last used at each depth: the candidate for the next object there. */
  private readonly lastShape: (Shape | undefined)[] = [];
  private strings = "";
  private arrays = 0;
  /** Bytes the scratch buffer needs at least, when known, after a write found it FULL. */
  private wanted = 0;

  /**
   * Write `items` after the byte `tag`. Returns -1 when every item was
   * written (take the bytes with {@link take}), else the index of the first
   * item that is not plain data (every item before it is).
   */
  write(items: readonly unknown[], tag: number): number {
    // `for...in` would list enumerable properties of Object.prototype, if something added one.
    for (const _ in OBJECT_PROTO) return 0;
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
    this.shapes.length = 0;
    this.shapeIndex.clear();
    this.lastShape.length = 0;
    this.strings = "";
    const buf = this.buf;
    const n = items.length;
    buf[0] = tag;
    let p = writeVarint(buf, HEADER, n);
    for (let i = 0; i < n; i++) {
      this.arrays = 0;
      const x = items[i];
      if (x === undefined && !(i in items)) return i;
      p = this.value(x, p, 0);
      if (p < 0) return p === FULL ? FULL : i;
      if (this.strings.length > MAX_STRING_CHARS) return i;
    }
    return this.finish(p);
  }

  /** Write the shape table and the string section after the items; ALL_WRITTEN, or FULL. */
  private finish(p: number): number {
    const ascii = Buffer.byteLength(this.strings, "utf8") === this.strings.length;
    let size = p + MARGIN + (ascii ? 1 : 2) * this.strings.length;
    for (const shape of this.shapes) for (const key of shape.keys) size += MARGIN + 2 * key.length;
    if (size > this.buf.length) {
      this.wanted = size;
      return FULL;
    }
    const buf = this.buf;
    buf[1] = ascii ? 0 : 1;
    buf.writeUInt32LE(p, 2);
    p = writeVarint(buf, p, this.shapes.length);
    for (const shape of this.shapes) {
      p = writeVarint(buf, p, shape.keys.length);
      for (const key of shape.keys) {
        p = writeVarint(buf, p, key.length);
        p += buf.write(key, p, "utf16le");
      }
    }
    buf.writeUInt32LE(p, 6);
    p += buf.write(this.strings, p, ascii ? "latin1" : "utf16le");
    this.end = p;
    return ALL_WRITTEN;
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
      default:
        return NOT_PLAIN;
    }
  }

  private object(x: object, p: number, depth: number): number {
    const proto = getPrototypeOf(x) as object | null;
    if (proto === ARRAY_PROTO) return isArray(x) ? this.array(x, p, depth) : NOT_PLAIN;
    if (proto !== OBJECT_PROTO && proto !== BUFFER_PROTO) return NOT_PLAIN;
    const buf = this.buf;
    const seen = this.ids.get(x);
    if (seen !== undefined) {
      buf[p++] = T_REF;
      return writeVarint(buf, p, seen);
    }
    this.ids.set(x, this.ids.size);
    if (proto === BUFFER_PROTO) return this.buffer(x as Buffer, p);
    if (depth > MAX_DEPTH) return NOT_PLAIN;
    let shape = this.lastShape[depth];
    if (shape === undefined || !hasKeys(x, shape.keys)) {
      shape = this.shapeOf(x);
      this.lastShape[depth] = shape;
    }
    // V8 and structured clone drop symbol-keyed properties silently; the general path refuses them.
    if (getOwnPropertySymbols(x).length !== 0) return NOT_PLAIN;
    buf[p++] = T_OBJECT;
    p = writeVarint(buf, p, shape.index);
    for (const key in x) {
      p = this.value((x as Record<string, unknown>)[key], p, depth + 1);
      if (p < 0) return p;
    }
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
}

const fromCharCode = String.fromCharCode;

/** The keys of a shape, and whether one is `__proto__` (it must be defined, not assigned). */
interface ReadShape {
  readonly keys: readonly string[];
  readonly hasProtoKey: boolean;
}

/** Reads one batch in the plain format. */
class PlainReader {
  private pos = HEADER;
  private stringPos: number;
  private readonly bytes: Buffer;
  /** The same bytes as a plain Uint8Array: its `subarray` is cheaper than a Buffer's. */
  private readonly u8: Uint8Array;
  private readonly utf16: boolean;
  private readonly shapes: ReadShape[] = [];
  private readonly refs: unknown[] = [];

  constructor(input: Uint8Array) {
    const b = (this.bytes = Buffer.from(input.buffer, input.byteOffset, input.byteLength));
    this.u8 = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
    this.utf16 = (b[1] & 1) === 1;
    this.stringPos = b.readUInt32LE(6);
    const itemsPos = this.pos;
    this.pos = b.readUInt32LE(2);
    for (let s = this.varint(); s > 0; s--) {
      const keys: string[] = [];
      for (let k = this.varint(); k > 0; k--) {
        const bytes = 2 * this.varint();
        keys.push(b.toString("utf16le", this.pos, this.pos + bytes));
        this.pos += bytes;
      }
      this.shapes.push({ keys, hasProtoKey: keys.includes("__proto__") });
    }
    this.pos = itemsPos;
  }

  items(): unknown[] {
    const items: unknown[] = [];
    for (let n = this.varint(); n > 0; n--) items.push(this.value());
    return items;
  }

  private varint(): number {
    const b = this.bytes;
    let c = b[this.pos++];
    if (c < 0x80) return c;
    let n = c & 0x7f;
    let shift = 7;
    do {
      c = b[this.pos++];
      n |= (c & 0x7f) << shift;
      shift += 7;
    } while (c & 0x80);
    return n >>> 0;
  }

  /**
   * The next string, of `n` chars, from the string section. ASCII strings
   * of up to 24 chars (most keys, numbers, timestamps, dates) are built by
   * one `String.fromCharCode` call with the bytes as arguments: 20 ns for 13
   * chars where `Buffer#toString` takes 60 to 80.
   */
  private string(n: number): string {
    const b = this.bytes;
    const p = this.stringPos;
    if (this.utf16) {
      this.stringPos = p + 2 * n;
      return b.toString("utf16le", p, p + 2 * n);
    }
    this.stringPos = p + n;
    switch (n) {
      case 0: return "";
      case 1: return fromCharCode(b[p]);
      case 2: return fromCharCode(b[p], b[p + 1]);
      case 3: return fromCharCode(b[p], b[p + 1], b[p + 2]);
      case 4: return fromCharCode(b[p], b[p + 1], b[p + 2], b[p + 3]);
      case 5: return fromCharCode(b[p], b[p + 1], b[p + 2], b[p + 3], b[p + 4]);
      case 6: return fromCharCode(b[p], b[p + 1], b[p + 2], b[p + 3], b[p + 4], b[p + 5]);
      case 7: return fromCharCode(b[p], b[p + 1], b[p + 2], b[p + 3], b[p + 4], b[p + 5], b[p + 6]);
      case 8: return fromCharCode(b[p], b[p + 1], b[p + 2], b[p + 3], b[p + 4], b[p + 5], b[p + 6], b[p + 7]);
      case 9: return fromCharCode(b[p], b[p + 1], b[p + 2], b[p + 3], b[p + 4], b[p + 5], b[p + 6], b[p + 7], b[p + 8]);
      case 10: return fromCharCode(b[p], b[p + 1], b[p + 2], b[p + 3], b[p + 4], b[p + 5], b[p + 6], b[p + 7], b[p + 8], b[p + 9]);
      case 11: return fromCharCode(b[p], b[p + 1], b[p + 2], b[p + 3], b[p + 4], b[p + 5], b[p + 6], b[p + 7], b[p + 8], b[p + 9], b[p + 10]);
      case 12: return fromCharCode(b[p], b[p + 1], b[p + 2], b[p + 3], b[p + 4], b[p + 5], b[p + 6], b[p + 7], b[p + 8], b[p + 9], b[p + 10], b[p + 11]);
      case 13: return fromCharCode(b[p], b[p + 1], b[p + 2], b[p + 3], b[p + 4], b[p + 5], b[p + 6], b[p + 7], b[p + 8], b[p + 9], b[p + 10], b[p + 11], b[p + 12]);
      case 14: return fromCharCode(b[p], b[p + 1], b[p + 2], b[p + 3], b[p + 4], b[p + 5], b[p + 6], b[p + 7], b[p + 8], b[p + 9], b[p + 10], b[p + 11], b[p + 12], b[p + 13]);
      case 15: return fromCharCode(b[p], b[p + 1], b[p + 2], b[p + 3], b[p + 4], b[p + 5], b[p + 6], b[p + 7], b[p + 8], b[p + 9], b[p + 10], b[p + 11], b[p + 12], b[p + 13], b[p + 14]);
      case 16: return fromCharCode(b[p], b[p + 1], b[p + 2], b[p + 3], b[p + 4], b[p + 5], b[p + 6], b[p + 7], b[p + 8], b[p + 9], b[p + 10], b[p + 11], b[p + 12], b[p + 13], b[p + 14], b[p + 15]);
      case 17: return fromCharCode(b[p], b[p + 1], b[p + 2], b[p + 3], b[p + 4], b[p + 5], b[p + 6], b[p + 7], b[p + 8], b[p + 9], b[p + 10], b[p + 11], b[p + 12], b[p + 13], b[p + 14], b[p + 15], b[p + 16]);
      case 18: return fromCharCode(b[p], b[p + 1], b[p + 2], b[p + 3], b[p + 4], b[p + 5], b[p + 6], b[p + 7], b[p + 8], b[p + 9], b[p + 10], b[p + 11], b[p + 12], b[p + 13], b[p + 14], b[p + 15], b[p + 16], b[p + 17]);
      case 19: return fromCharCode(b[p], b[p + 1], b[p + 2], b[p + 3], b[p + 4], b[p + 5], b[p + 6], b[p + 7], b[p + 8], b[p + 9], b[p + 10], b[p + 11], b[p + 12], b[p + 13], b[p + 14], b[p + 15], b[p + 16], b[p + 17], b[p + 18]);
      case 20: return fromCharCode(b[p], b[p + 1], b[p + 2], b[p + 3], b[p + 4], b[p + 5], b[p + 6], b[p + 7], b[p + 8], b[p + 9], b[p + 10], b[p + 11], b[p + 12], b[p + 13], b[p + 14], b[p + 15], b[p + 16], b[p + 17], b[p + 18], b[p + 19]);
      case 21: return fromCharCode(b[p], b[p + 1], b[p + 2], b[p + 3], b[p + 4], b[p + 5], b[p + 6], b[p + 7], b[p + 8], b[p + 9], b[p + 10], b[p + 11], b[p + 12], b[p + 13], b[p + 14], b[p + 15], b[p + 16], b[p + 17], b[p + 18], b[p + 19], b[p + 20]);
      case 22: return fromCharCode(b[p], b[p + 1], b[p + 2], b[p + 3], b[p + 4], b[p + 5], b[p + 6], b[p + 7], b[p + 8], b[p + 9], b[p + 10], b[p + 11], b[p + 12], b[p + 13], b[p + 14], b[p + 15], b[p + 16], b[p + 17], b[p + 18], b[p + 19], b[p + 20], b[p + 21]);
      case 23: return fromCharCode(b[p], b[p + 1], b[p + 2], b[p + 3], b[p + 4], b[p + 5], b[p + 6], b[p + 7], b[p + 8], b[p + 9], b[p + 10], b[p + 11], b[p + 12], b[p + 13], b[p + 14], b[p + 15], b[p + 16], b[p + 17], b[p + 18], b[p + 19], b[p + 20], b[p + 21], b[p + 22]);
      case 24: return fromCharCode(b[p], b[p + 1], b[p + 2], b[p + 3], b[p + 4], b[p + 5], b[p + 6], b[p + 7], b[p + 8], b[p + 9], b[p + 10], b[p + 11], b[p + 12], b[p + 13], b[p + 14], b[p + 15], b[p + 16], b[p + 17], b[p + 18], b[p + 19], b[p + 20], b[p + 21], b[p + 22], b[p + 23]);
      default: return b.toString("latin1", p, p + n);
    }
  }

  private value(): unknown {
    const b = this.bytes;
    const tag = b[this.pos++];
    switch (tag) {
      case T_STRING:
        return this.string(this.varint());
      case T_INT: {
        const z = this.varint();
        return (z >>> 1) ^ -(z & 1);
      }
      case T_DOUBLE: {
        const x = b.readDoubleLE(this.pos);
        this.pos += 8;
        return x;
      }
      case T_ARRAY: {
        const n = this.varint();
        if (n === 2) {
          const first = this.value();
          return [first, this.value()];
        }
        const xs: unknown[] = [];
        for (let i = 0; i < n; i++) xs.push(this.value());
        return xs;
      }
      case T_OBJECT:
        return this.object(this.shapes[this.varint()]);
      case T_BUFFER: {
        const n = this.varint();
        const p = this.pos;
        // Memory of its own (from Node's pool when small, like Buffer.from): not a view that keeps the batch alive.
        const out = Buffer.allocUnsafe(n);
        if (n <= 16) {
          for (let i = 0; i < n; i++) out[i] = b[p + i];
        } else {
          out.set(this.u8.subarray(p, p + n));
        }
        this.pos = p + n;
        this.refs.push(out);
        return out;
      }
      case T_REF:
        return this.refs[this.varint()];
      case T_UNDEFINED:
        return undefined;
      case T_NULL:
        return null;
      case T_TRUE:
        return true;
      case T_FALSE:
        return false;
      default:
        throw new Error(`corrupt exchange batch: unknown value tag ${tag} at byte ${this.pos - 1}`);
    }
  }

  private object(shape: ReadShape): Record<string, unknown> {
    const obj: Record<string, unknown> = {};
    this.refs.push(obj);
    const keys = shape.keys;
    if (shape.hasProtoKey) {
      for (let j = 0; j < keys.length; j++) {
        Object.defineProperty(obj, keys[j], { value: this.value(), writable: true, enumerable: true, configurable: true });
      }
      return obj;
    }
    for (let j = 0; j < keys.length; j++) obj[keys[j]] = this.value();
    return obj;
  }
}

/** @internal Decode what {@link PlainWriter} wrote (`bytes[0]` is the caller's tag). */
export function readPlainBatch(bytes: Uint8Array): unknown[] {
  return new PlainReader(bytes).items();
}

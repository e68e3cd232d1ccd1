/**
 * The exchange serde's hand-written format for the batches most exchanges
 * carry: only primitives (strings, numbers, booleans, `null`, `undefined`)
 * and flat arrays of them (`[key, value]` pairs). One JS loop both checks and
 * writes each item, and one JS loop reads it back, which costs a fraction of
 * `v8.serialize` + `v8.deserialize` for such items (V8's format registers
 * every array for back-references; this one has none).
 *
 * The price of having no back-references: one array object that appears as
 * several items of a batch arrives as several equal arrays. Everything else
 * (BigInt, holes, nested objects...) makes {@link writeFlatBatch} stop and
 * the caller use the general path.
 *
 * Layout after the caller's tag byte: varint item count, then each value as
 * a tag byte and its payload (see the `T_*` constants).
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
/** Varint length, then one byte per char (all chars <= 0xff). */
const T_LATIN1 = 6;
/** Varint length in chars, then UTF-16LE code units. */
const T_UTF16 = 7;
/** Varint element count, then the elements (primitives). */
const T_ARRAY = 8;

/** Arrays longer than this go to the general path. */
const MAX_ARRAY = 64;
/** Strings at most this long are copied by a JS loop; longer ones by `Buffer#write`. */
const SHORT_STRING = 32;
/** The scratch buffer is dropped after a batch that grew it beyond this. */
const KEEP_SCRATCH = 1 << 20;

let scratch = Buffer.allocUnsafeSlow(1 << 16);
let view = new DataView(scratch.buffer, scratch.byteOffset, scratch.byteLength);
let pos = 0;

function ensure(n: number): void {
  if (pos + n <= scratch.length) return;
  const bigger = Buffer.allocUnsafeSlow(Math.max(scratch.length * 2, pos + n));
  scratch.copy(bigger, 0, 0, pos);
  scratch = bigger;
  view = new DataView(scratch.buffer, scratch.byteOffset, scratch.byteLength);
}

function writeVarint(n: number): void {
  while (n >= 0x80) {
    scratch[pos++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  scratch[pos++] = n;
}

function writeString(s: string): void {
  const n = s.length;
  ensure(11 + 2 * n);
  let oneByte = true;
  for (let i = 0; i < n; i++) {
    if (s.charCodeAt(i) > 0xff) {
      oneByte = false;
      break;
    }
  }
  scratch[pos++] = oneByte ? T_LATIN1 : T_UTF16;
  writeVarint(n);
  if (!oneByte) {
    pos += scratch.write(s, pos, 2 * n, "utf16le");
  } else if (n > SHORT_STRING) {
    pos += scratch.write(s, pos, n, "latin1");
  } else {
    for (let i = 0; i < n; i++) scratch[pos++] = s.charCodeAt(i);
  }
}

function writeNumber(x: number): void {
  ensure(9);
  if ((x | 0) === x && (x !== 0 || 1 / x > 0)) {
    scratch[pos++] = T_INT;
    writeVarint(((x << 1) ^ (x >> 31)) >>> 0);
  } else {
    scratch[pos++] = T_DOUBLE;
    view.setFloat64(pos, x, true);
    pos += 8;
  }
}

/** Write a primitive other than BigInt and symbol; `false` when `x` is anything else. */
function writePrimitive(x: unknown): boolean {
  switch (typeof x) {
    case "string":
      writeString(x);
      return true;
    case "number":
      writeNumber(x);
      return true;
    case "boolean":
      ensure(1);
      scratch[pos++] = x ? T_TRUE : T_FALSE;
      return true;
    case "undefined":
      ensure(1);
      scratch[pos++] = T_UNDEFINED;
      return true;
    case "object":
      if (x !== null) return false;
      ensure(1);
      scratch[pos++] = T_NULL;
      return true;
    default:
      return false;
  }
}

/** Write an array of primitives without holes; `false` when `xs` is anything else. */
function writeArray(xs: readonly unknown[]): boolean {
  const n = xs.length;
  if (n > MAX_ARRAY || Object.getPrototypeOf(xs) !== Array.prototype) return false;
  ensure(6);
  scratch[pos++] = T_ARRAY;
  writeVarint(n);
  for (let i = 0; i < n; i++) {
    const x = xs[i];
    // A hole reads as undefined; V8's format keeps holes, so leave those arrays to it.
    if (x === undefined && !(i in xs)) return false;
    if (!writePrimitive(x)) return false;
  }
  return true;
}

/**
 * @internal Write `items` in the flat format after the byte `tag`, into the
 * scratch buffer. Returns -1 when every item was written (take the bytes with
 * {@link takeFlatBatch}), else the index of the first item the format does
 * not take (every item before it is a primitive or a flat array of them).
 */
export function writeFlatBatch(items: readonly unknown[], tag: number): number {
  pos = 0;
  const n = items.length;
  ensure(6);
  scratch[pos++] = tag;
  writeVarint(n);
  for (let i = 0; i < n; i++) {
    const x = items[i];
    if (typeof x === "object" && x !== null) {
      if (!Array.isArray(x) || !writeArray(x)) return i;
    } else if (!writePrimitive(x) || (x === undefined && !(i in items))) {
      return i;
    }
  }
  return -1;
}

/** @internal The bytes {@link writeFlatBatch} just wrote, in an `ArrayBuffer` of their own (transferable). */
export function takeFlatBatch(): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(pos);
  out.set(new Uint8Array(scratch.buffer, scratch.byteOffset, pos));
  if (scratch.length > KEEP_SCRATCH) {
    scratch = Buffer.allocUnsafeSlow(1 << 16);
    view = new DataView(scratch.buffer, scratch.byteOffset, scratch.byteLength);
  }
  return out;
}

const fromCharCode = String.fromCharCode;

/** Reads one flat batch; an instance per decode (decoding does not share scratch state). */
class FlatReader {
  private pos = 1;
  private readonly bytes: Buffer;
  private view: DataView | undefined;

  constructor(input: Uint8Array) {
    this.bytes = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  }

  varint(): number {
    const b = this.bytes;
    let n = 0;
    let shift = 0;
    let c: number;
    do {
      c = b[this.pos++];
      n |= (c & 0x7f) << shift;
      shift += 7;
    } while (c & 0x80);
    return n >>> 0;
  }

  /**
   * A latin1 string of `n` bytes at the read position. Short strings are
   * built by one `String.fromCharCode` call with the bytes as arguments
   * (several times faster than `Buffer#toString` for them).
   */
  latin1(n: number): string {
    const b = this.bytes;
    const p = this.pos;
    this.pos = p + n;
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
      default: return b.toString("latin1", p, p + n);
    }
  }

  value(): unknown {
    const tag = this.bytes[this.pos++];
    switch (tag) {
      case T_LATIN1:
        return this.latin1(this.varint());
      case T_INT: {
        const z = this.varint();
        return (z >>> 1) ^ -(z & 1);
      }
      case T_DOUBLE: {
        this.view ??= new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
        const x = this.view.getFloat64(this.pos, true);
        this.pos += 8;
        return x;
      }
      case T_UTF16: {
        const bytes = 2 * this.varint();
        const s = this.bytes.toString("utf16le", this.pos, this.pos + bytes);
        this.pos += bytes;
        return s;
      }
      case T_ARRAY: {
        const n = this.varint();
        if (n === 2) {
          const a = this.value();
          return [a, this.value()];
        }
        const xs: unknown[] = [];
        for (let i = 0; i < n; i++) xs.push(this.value());
        return xs;
      }
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
}

/** @internal Decode what {@link writeFlatBatch} wrote (`bytes[0]` is the caller's tag). */
export function readFlatBatch(bytes: Uint8Array): unknown[] {
  const reader = new FlatReader(bytes);
  const n = reader.varint();
  const items: unknown[] = [];
  for (let i = 0; i < n; i++) items.push(reader.value());
  return items;
}

/**
 * Reads batches in the exchange serde's plain format (see
 * `exchangePlainFormat`).
 *
 * @module
 * @internal
 */
import { VIEW_TYPES, type ClassEntry } from "./exchangeValueCheck.js";
import {
  ASCII_STRINGS, HEADER, T_ARRAY, T_ARRAY_BUFFER, T_BIGINT, T_BIGINT64, T_BUFFER, T_DATE, T_DOUBLE, T_ENCODED, T_FALSE,
  T_INSTANCE, T_INT, T_MAP, T_NULL, T_NULL_PROTO, T_OBJECT, T_REF, T_SET, T_STRING, T_TRUE, T_UNDEFINED, T_VIEW,
} from "./exchangePlainFormat.js";

const fromCharCode = String.fromCharCode;

/** The keys of a shape; for each class of the batch, whether its objects need `defineProperty` (computed when first needed). */
interface ReadShape {
  readonly keys: readonly string[];
  /** Whether a key is `__proto__` (assigning it would set the prototype). */
  readonly hasProtoKey: boolean;
  readonly definesFor: (boolean | undefined)[];
}

/** Define `obj[key]` as an own data property, as an object literal or a constructor's field does. */
function defineField(obj: object, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
}

/** Reads one batch. */
class PlainReader {
  private pos = HEADER;
  private stringPos: number;
  private readonly bytes: Buffer;
  /** The same bytes as a plain Uint8Array: its `subarray` is cheaper than a Buffer's. */
  private readonly u8: Uint8Array;
  private readonly ascii: boolean;
  private readonly shapes: ReadShape[] = [];
  private readonly classes: ClassEntry[] = [];
  /** Objects, instances and Buffers, in the order they were written (what `T_REF` points to). */
  private readonly refs: unknown[] = [];

  constructor(input: Uint8Array, classes: ReadonlyMap<string, ClassEntry>) {
    const b = (this.bytes = Buffer.from(input.buffer, input.byteOffset, input.byteLength));
    this.u8 = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
    this.ascii = (b[1] & ASCII_STRINGS) !== 0;
    this.stringPos = b.readUInt32LE(6);
    this.pos = b.readUInt32LE(2);
    for (let s = this.varint(); s > 0; s--) {
      const keys: string[] = [];
      for (let k = this.varint(); k > 0; k--) keys.push(this.name());
      this.shapes.push({ keys, hasProtoKey: keys.includes("__proto__"), definesFor: [] });
    }
    for (let c = this.varint(); c > 0; c--) {
      const name = this.name();
      const entry = classes.get(name);
      if (entry === undefined) {
        throw new Error(`exchange batch holds a '${name}' instance, but no exchange class of that name is registered on this worker`);
      }
      this.classes.push(entry);
    }
    this.pos = HEADER;
  }

  items(): unknown[] {
    const items: unknown[] = [];
    const b = this.bytes;
    for (let n = this.varint(); n > 0; n--) {
      const p = this.pos;
      // `[key, value]` (what the writer's `keyed` writes): read here, without the general dispatch for the pair and its key.
      if (b[p] === T_ARRAY && b[p + 1] === 2 && b[p + 2] === T_STRING) {
        this.pos = p + 3;
        const key = this.string(this.varint());
        items.push([key, this.value()]);
      } else {
        items.push(this.value());
      }
    }
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

  /** A key or class name from the tables. */
  private name(): string {
    const bytes = 2 * this.varint();
    const name = this.bytes.toString("utf16le", this.pos, this.pos + bytes);
    this.pos += bytes;
    return name;
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
    if (!this.ascii) {
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
        return this.fields({}, this.shapes[this.varint()], -1);
      case T_BUFFER:
        return this.buffer();
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
      case T_NULL_PROTO:
        return this.fields(Object.create(null) as object, this.shapes[this.varint()], -1);
      case T_INSTANCE: {
        const c = this.varint();
        return this.fields(Object.create(this.classes[c].proto) as object, this.shapes[this.varint()], c);
      }
      case T_ENCODED: {
        const entry = this.classes[this.varint()];
        const index = this.refs.length;
        this.refs.push(undefined);
        const value = entry.decode!(this.value());
        this.refs[index] = value;
        return value;
      }
      case T_DATE: {
        const date = new Date(b.readDoubleLE(this.pos));
        this.pos += 8;
        this.refs.push(date);
        return date;
      }
      case T_MAP: {
        const map = new Map<unknown, unknown>();
        this.refs.push(map);
        for (let n = this.varint(); n > 0; n--) map.set(this.value(), this.value());
        return map;
      }
      case T_SET: {
        const set = new Set<unknown>();
        this.refs.push(set);
        for (let n = this.varint(); n > 0; n--) set.add(this.value());
        return set;
      }
      case T_VIEW: {
        const type = VIEW_TYPES[b[this.pos++]];
        const memory = this.arrayBuffer();
        const view = type === DataView ? new DataView(memory) : new (type as Float64ArrayConstructor)(memory);
        this.refs[this.refs.length - 1] = view;
        return view;
      }
      case T_ARRAY_BUFFER:
        return this.arrayBuffer();
      case T_BIGINT64: {
        const x = b.readBigInt64LE(this.pos);
        this.pos += 8;
        return x;
      }
      case T_BIGINT: {
        const negative = b[this.pos++] === 1;
        const magnitude = BigInt(`0x${this.string(this.varint())}`);
        return negative ? -magnitude : magnitude;
      }
      default:
        throw new Error(`corrupt exchange batch: unknown value tag ${tag} at byte ${this.pos - 1}`);
    }
  }

  /** A Buffer in memory of its own (from Node's pool when small, like `Buffer.from`): not a view that keeps the batch alive. */
  private buffer(): Buffer {
    const n = this.varint();
    const p = this.pos;
    const out = Buffer.allocUnsafe(n);
    if (n <= 16) {
      const b = this.bytes;
      for (let i = 0; i < n; i++) out[i] = b[p + i];
    } else {
      out.set(this.u8.subarray(p, p + n));
    }
    this.pos = p + n;
    this.refs.push(out);
    return out;
  }

  /** An ArrayBuffer of its own with the next bytes (its slot in `refs` taken; a view replaces it there). */
  private arrayBuffer(): ArrayBuffer {
    const n = this.varint();
    const memory = new ArrayBuffer(n);
    new Uint8Array(memory).set(this.u8.subarray(this.pos, this.pos + n));
    this.pos += n;
    this.refs.push(memory);
    return memory;
  }

  /** Read the values of `shape`'s keys into `obj`, an instance of the batch's class `c` (-1: none). */
  private fields<T extends object>(obj: T, shape: ReadShape, c: number): T {
    this.refs.push(obj);
    const keys = shape.keys;
    // Own data properties, like a literal or a constructor makes: no setter up the prototype chain may run.
    const define =
      c >= 0 ? (shape.definesFor[c] ??= keys.some((key) => key in obj)) : shape.hasProtoKey && Object.getPrototypeOf(obj) !== null;
    if (define) {
      for (let j = 0; j < keys.length; j++) defineField(obj, keys[j], this.value());
    } else {
      for (let j = 0; j < keys.length; j++) (obj as Record<string, unknown>)[keys[j]] = this.value();
    }
    return obj;
  }
}

/** @internal Decode a batch in the plain format (`bytes[0]` is the caller's tag). */
export function readPlainBatch(bytes: Uint8Array, classes: ReadonlyMap<string, ClassEntry>): unknown[] {
  return new PlainReader(bytes, classes).items();
}

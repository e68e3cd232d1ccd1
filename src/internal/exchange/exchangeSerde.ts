/**
 * The exchange serde: how a batch of items crosses from one worker thread to
 * another. The sender encodes the batch to bytes whose `ArrayBuffer` is
 * theirs alone, posts them with that buffer in the transfer list (no copy),
 * and the receiver decodes them:
 *
 * ```ts
 * const bytes = serde.encode(items);
 * port.postMessage({ t: 0, edge, epoch, bytes }, [bytes.buffer]);
 * // on the other worker
 * port.on("message", (msg) => receive(serde.decode(msg.bytes)));
 * ```
 *
 * Unlike structured clone, a `Buffer` arrives as a `Buffer`, every typed
 * array as its own type (in an `ArrayBuffer` of its own, never a view on the
 * batch), null-prototype objects keep their null prototype, and a class
 * instance either arrives with its prototype (registered classes) or is
 * refused with an {@link ExchangeValueError} naming where it is, never
 * silently turned into a plain object.
 *
 * The first byte says how the rest is encoded:
 *
 * - {@link TAG_PLAIN}: the common case, in a hand-written format
 *   (`exchangePlainFormat`): primitives, strings, arrays, plain and
 *   null-prototype objects, `Buffer`s and other typed arrays, `Date`, `Map`,
 *   `Set` and registered class instances. Writing it checks the items.
 * - {@link TAG_V8}: batches with anything else (a `RegExp`, an `Error`, a
 *   boxed primitive, an array with holes, a cycle through arrays alone...),
 *   checked (`exchangeValueCheck`), then written in V8's format
 *   (`v8.DefaultSerializer`, with each `Buffer` and typed array written as
 *   its type and its bytes). The check also finds what cannot cross, for
 *   the error message.
 * - {@link TAG_V8_SURROGATES}: the same, for such batches with registered
 *   class instances or null-prototype objects: encoded as `[items,
 *   surrogates]` and revived on decoding (`exchangeSurrogates`). Only these
 *   batches are walked on decoding.
 *
 * Both ends must register the same classes (the flow module builds the same
 * list in every worker); classes are matched by name.
 *
 * What does not cross exactly, by design: an array object that appears
 * several times in a batch arrives as equal copies (objects of every other
 * kind keep their identity within a batch); a typed array and its
 * `ArrayBuffer` arrive as separate memory; properties of an array besides its
 * elements are not checked and not guaranteed to arrive. Identity is never
 * kept across batches.
 *
 * @module
 * @internal
 */
import { DefaultDeserializer, DefaultSerializer } from "node:v8";
import { BuildError, ExchangeValueError, causeText, describeType } from "../../errors.js";
import { readPlainBatch } from "./exchangePlainReader.js";
import { PlainWriter } from "./exchangePlainWriter.js";
import type { ExchangeClass } from "../../dataflow/dataflow.js";

export type { ExchangeClass };
import { SurrogateReader, SurrogateWriter, type Surrogate } from "./exchangeSurrogates.js";
import { BUILT_INS, BatchCheck, K_ERROR, VIEW_TYPES, isNativeClass, type ClassEntry } from "./exchangeValueCheck.js";

/** @internal First byte of a batch in the plain format. */
export const TAG_PLAIN = 1;
/** @internal First byte of a batch in V8's format. */
export const TAG_V8 = 2;
/** @internal First byte of a batch in V8's format, as `[items, surrogates]`. */
export const TAG_V8_SURROGATES = 3;

const V8_TAG = new Uint8Array([TAG_V8]);
const V8_SURROGATES_TAG = new Uint8Array([TAG_V8_SURROGATES]);
const DATA_VIEW = VIEW_TYPES.indexOf(DataView);
const BUFFER = VIEW_TYPES.indexOf(Buffer);
const VIEW_KINDS = new Map<object, number>(VIEW_TYPES.map((t, i) => [t.prototype, i]));

/** V8's format, with each `Buffer`, typed array and `DataView` written as its type and its bytes (only those it views). */
class ExchangeSerializer extends DefaultSerializer {
  /** Called by V8 for each array buffer view. */
  _writeHostObject(view: NodeJS.ArrayBufferView): void {
    const kind = VIEW_KINDS.get(Object.getPrototypeOf(view) as object);
    if (kind === undefined) throw new TypeError(`cannot encode ${describeType(view)}`);
    this.writeUint32(kind);
    this.writeUint32(view.byteLength);
    this.writeRawBytes(view);
  }
}

/** Reads what {@link ExchangeSerializer} wrote; each view gets memory of its own (a small `Buffer` from Node's pool, like `Buffer.from`). */
class ExchangeDeserializer extends DefaultDeserializer {
  /** Called by V8 for each array buffer view. */
  _readHostObject(): NodeJS.ArrayBufferView {
    const kind = this.readUint32();
    const length = this.readUint32();
    const bytes = this.readRawBytes(length);
    if (kind === BUFFER) return Buffer.from(bytes);
    const type = VIEW_TYPES[kind];
    if (type === undefined) throw new Error(`corrupt exchange batch: unknown view type ${kind}`);
    const memory = new ArrayBuffer(length);
    new Uint8Array(memory).set(bytes);
    if (kind === DATA_VIEW) return new DataView(memory);
    return new (type as Float64ArrayConstructor)(memory);
  }
}

/** Encode `payload` in V8's format after the byte `tag`; on failure, find the item V8 refused. */
function writeV8(tag: Uint8Array, payload: unknown, items: readonly unknown[]): Uint8Array<ArrayBuffer> {
  const serializer = new ExchangeSerializer();
  serializer.writeRawBytes(tag);
  serializer.writeHeader();
  try {
    serializer.writeValue(payload);
  } catch (err) {
    // What the check lets through but V8 refuses: a Proxy, a detached ArrayBuffer, a batch too large.
    for (let i = 0; i < items.length; i++) {
      try {
        new ExchangeSerializer().writeValue(items[i]);
      } catch (itemErr) {
        throw new ExchangeValueError(`cannot send items[${i}] across workers: ${causeText(itemErr)} (a Proxy, or a detached ArrayBuffer?)`, { cause: itemErr });
      }
    }
    throw new ExchangeValueError(`cannot send a batch of ${items.length} items across workers: ${causeText(err)}`, { cause: err });
  }
  return serializer.releaseBuffer();
}

function readV8(bytes: Uint8Array): unknown {
  const deserializer = new ExchangeDeserializer(bytes.subarray(1));
  deserializer.readHeader();
  return deserializer.readValue();
}

/** Validate one entry of `exchangeClasses`. */
function classEntry(c: ExchangeClass, index: number): ClassEntry {
  const where = `exchangeClasses[${index}]`;
  const custom = typeof c === "object" && c !== null;
  const type: unknown = custom ? c.type : c;
  if (typeof type !== "function" || typeof type.prototype !== "object" || type.prototype === null) {
    throw new BuildError(`${where} must be a class, or { type: SomeClass, encode, decode }; got ${describeType(custom ? type : c)}`);
  }
  const proto = type.prototype as object;
  const name = custom ? (c.name ?? type.name) : type.name;
  if (typeof name !== "string" || name === "") {
    throw new BuildError(`${where}: the class has no name; give it one (class Money {...}) or register { type, name: "Money", encode, decode }`);
  }
  if (proto === Object.prototype || proto === Array.prototype || BUILT_INS.has(proto)) {
    throw new BuildError(`${where}: ${name} is built in; its instances cross workers without registering it`);
  }
  let isError = false;
  for (let p: object | null = proto; p !== null && p !== Object.prototype; p = Object.getPrototypeOf(p) as object | null) {
    if (BUILT_INS.get(p) === K_ERROR) {
      isError = true;
    } else if (!custom && isNativeClass((p as { constructor?: unknown }).constructor)) {
      const base = (p as { constructor: { name: string } }).constructor.name;
      throw new BuildError(
        `${where}: ${name} extends ${base}, whose instances hold more than their fields; register { type: ${name}, encode, decode } instead`,
      );
    }
  }
  if (custom && (typeof c.encode !== "function" || typeof c.decode !== "function")) {
    throw new BuildError(`${where}: { type: ${name}, ... } needs both an encode and a decode function`);
  }
  return {
    name,
    proto,
    isError,
    encode: custom ? (c.encode as (value: unknown) => unknown) : undefined,
    decode: custom ? (c.decode as (data: unknown) => unknown) : undefined,
  };
}

/**
 * @internal Encodes batches of items for another worker thread and decodes
 * them there (see the module). One instance per worker (it keeps scratch
 * state; not re-entrant); every worker builds it with the same classes.
 */
export class ExchangeSerde {
  private readonly byProto = new Map<object, ClassEntry>();
  private readonly byName = new Map<string, ClassEntry>();
  private readonly check: BatchCheck;
  private readonly plain: PlainWriter;

  /**
   * @param classes - The classes whose instances may cross (see {@link ExchangeClass}).
   * @throws BuildError for an entry that is not a class or `{ type, encode, decode }`,
   *   a built-in class, an unnamed class, or two entries with the same name or class.
   */
  constructor(classes: readonly ExchangeClass[] = []) {
    const indexOf = new Map<string, number>();
    for (let i = 0; i < classes.length; i++) {
      const entry = classEntry(classes[i], i);
      const earlier = indexOf.get(entry.name);
      if (earlier !== undefined) {
        throw new BuildError(
          `exchangeClasses[${i}] and exchangeClasses[${earlier}] are both named '${entry.name}'; ` +
            "names tell classes apart between workers: register one as { type, name, encode, decode }",
        );
      }
      if (this.byProto.has(entry.proto)) throw new BuildError(`exchangeClasses[${i}]: ${entry.name} is registered twice`);
      indexOf.set(entry.name, i);
      this.byProto.set(entry.proto, entry);
      this.byName.set(entry.name, entry);
    }
    this.check = new BatchCheck(this.byProto);
    this.plain = new PlainWriter(this.byProto);
  }

  /**
   * Encode a batch. The bytes own their `ArrayBuffer` exactly
   * (`byteOffset` 0, same length): post them with `[bytes.buffer]` in the
   * transfer list.
   *
   * @param items - The batch; not changed.
   * @returns The encoded batch.
   * @throws ExchangeValueError naming the path and type of the first value that
   *   cannot cross, like "cannot send a Money instance at items[3][1].price across workers: ...".
   */
  encode(items: readonly unknown[]): Uint8Array<ArrayBuffer> {
    const stop = this.plain.write(items, TAG_PLAIN);
    if (stop < 0) return this.plain.take();
    // The items before `stop` are plain data, but may hold registered instances.
    const holdsClasses = this.plain.holdsClasses;
    this.check.checkItems(items, stop);
    if (!holdsClasses && !this.check.needsSurrogates) return writeV8(V8_TAG, items, items);
    const payload = new SurrogateWriter(this.byProto, this.check).write(items);
    return writeV8(V8_SURROGATES_TAG, payload, items);
  }

  /**
   * Decode what {@link encode} produced (on this or another worker).
   *
   * @param bytes - An encoded batch (it may be a view on a received `ArrayBuffer`).
   * @returns A new array of the items, which the caller may change.
   */
  decode(bytes: Uint8Array): unknown[] {
    switch (bytes[0]) {
      case TAG_PLAIN:
        return readPlainBatch(bytes, this.byName);
      case TAG_V8:
        return readV8(bytes) as unknown[];
      case TAG_V8_SURROGATES: {
        const [items, surrogates] = readV8(bytes) as [unknown[], Surrogate[]];
        new SurrogateReader(this.byName).revive(items, surrogates);
        return items;
      }
      default:
        throw new Error(`not an exchange batch: unknown format byte ${String(bytes[0])}`);
    }
  }
}

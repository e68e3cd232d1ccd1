/**
 * The exchange serde's hand-written format, for what most exchanges carry:
 * primitives but symbols, strings, arrays, plain and null-prototype
 * objects, `Buffer`s and other typed arrays, `DataView`s, `ArrayBuffer`s,
 * `Date`s, `Map`s, `Set`s and instances of registered classes. The writer
 * (`exchangePlainWriter`) checks as it writes, so a batch of such items
 * needs no separate check; anything else (a `Map`, a `Date`, an unregistered
 * class instance, a RegExp, an Error, a hole, a symbol key...) stops it,
 * and the
 * caller uses the general path (a check, then V8's format).
 *
 * Why not V8's format for these: measured on 1000-item batches, its reader
 * spends ~240 ns on a `[string, number]` pair and ~800 on a small object
 * (every object is registered for back-references, every key read as a
 * string), each `Buffer` costs host-object calls between C++ and JS both
 * ways, and registered classes need a copy of the batch with surrogates and
 * a walk of the decoded one. Here:
 *
 * - strings are written by one native call per batch (their concatenation,
 *   at the end), and read by one `String.fromCharCode` call each (short
 *   ones);
 * - an object is its shape's index (its keys, once per batch) and its
 *   values; an instance also has its class's index (its name, once per
 *   batch);
 * - every object but arrays that appears again is a back-reference,
 *   so shared references and cycles through them arrive as they were.
 *   Arrays are not tracked: an array object that appears twice arrives as
 *   two equal arrays (tracking them would cost a map operation per
 *   `[key, value]` pair), and a cycle through arrays alone sends the batch to
 *   the general path.
 *
 * A Proxy whose prototype is `Object.prototype` or `Array.prototype` is
 * written as the plain data it shows (V8's format refuses proxies).
 *
 * Layout: tag byte, flags byte ({@link ASCII_STRINGS}), u32 LE offset of
 * the tables, u32 LE offset of the string section, varint item count, the
 * items (a `T_*` tag byte and its payload each), the tables (varint shape
 * count, per shape a varint key count and the keys; varint class count, the
 * class names; each name or key a varint length and its UTF-16LE code
 * units), the string section.
 *
 * @module
 * @internal
 */

/** @internal Bytes before the item count: tag, flags, two u32 offsets. */
export const HEADER = 10;
/** @internal Flag: the string section holds one byte per char (all chars < 0x80); else UTF-16LE. */
export const ASCII_STRINGS = 1;

/** @internal `undefined`. */
export const T_UNDEFINED = 0;
/** @internal `null`. */
export const T_NULL = 1;
/** @internal `true`. */
export const T_TRUE = 2;
/** @internal `false`. */
export const T_FALSE = 3;
/** @internal An int32 (not -0): zigzag varint. */
export const T_INT = 4;
/** @internal Any other number: float64, little-endian. */
export const T_DOUBLE = 5;
/** @internal A string: varint length in chars; the chars are the next ones in the string section. */
export const T_STRING = 6;
/** @internal An array: varint length, then the elements. */
export const T_ARRAY = 7;
/** @internal A plain object: varint shape index, then the values in the shape's key order. */
export const T_OBJECT = 8;
/** @internal A `Buffer`: varint byte length, then the bytes. */
export const T_BUFFER = 9;
/** @internal An object written before (not an array): varint index among them, in the order they were first written. */
export const T_REF = 10;
/** @internal A null-prototype object: varint shape index, then the values. */
export const T_NULL_PROTO = 11;
/** @internal An instance of a registered class: varint class index, varint shape index, then its fields' values. */
export const T_INSTANCE = 12;
/** @internal An instance of a registered class with `encode`: varint class index, then what `encode` returned. */
export const T_ENCODED = 13;
/** @internal A `Date`: its time value, float64 little-endian. */
export const T_DATE = 14;
/** @internal A `Map`: varint size, then each key and value. */
export const T_MAP = 15;
/** @internal A `Set`: varint size, then the elements. */
export const T_SET = 16;
/** @internal A typed array other than `Buffer`, or a `DataView`: type byte (index in `VIEW_TYPES`), varint byte length, the bytes. */
export const T_VIEW = 17;
/** @internal An `ArrayBuffer`: varint byte length, the bytes. */
export const T_ARRAY_BUFFER = 18;
/** @internal A BigInt in int64 range: 8 bytes, little-endian. */
export const T_BIGINT64 = 19;
/** @internal Another BigInt: sign byte (1: negative), varint length, its absolute value's hex digits (in the string section). */
export const T_BIGINT = 20;

/**
 * Codecs for Kafka keys and values: the interfaces the `kop.serialize*` and
 * `kop.deserialize*` operators take, and the built-in JSON, UTF-8 and raw
 * codecs.
 *
 * @module
 */
import { describeType } from "../../errors.js";

/**
 * Turns a key or value into the bytes of a Kafka record.
 *
 * @typeParam T - Type of what is serialized.
 * @category Connectors
 * @example
 * ```ts
 * const csv: KafkaSerializer<number[]> = { serialize: (xs) => Buffer.from(xs.join(",")) };
 * csv.serialize([1, 2]); // <Buffer 31 2c 32>
 * ```
 */
export interface KafkaSerializer<T> {
  /**
   * @param value - What to encode.
   * @returns The bytes (a `Buffer`, or another `Uint8Array`).
   * @throws Whatever it wants for a value it cannot encode: the run fails with a `StepError`.
   */
  serialize(value: T): Uint8Array;
}

/**
 * Turns the bytes of a Kafka record's key or value into a value.
 *
 * @typeParam T - Type of what is deserialized.
 * @category Connectors
 * @example
 * ```ts
 * const csv: KafkaDeserializer<number[]> = { deserialize: (b) => b.toString().split(",").map(Number) };
 * csv.deserialize(Buffer.from("1,2")); // [1, 2]
 * ```
 */
export interface KafkaDeserializer<T> {
  /**
   * @param bytes - The key or value as read (never `null`: absent keys and tombstones are not decoded).
   * @returns The decoded value.
   * @throws Whatever it wants for bytes it cannot decode: the message becomes an error item.
   */
  deserialize(bytes: Buffer): T;
}

/**
 * A serializer and a deserializer of the same type, such as
 * {@link jsonCodec}: usable with every `kop` serde operator.
 *
 * @typeParam T - Type of what is encoded.
 * @category Connectors
 * @example
 * ```ts
 * const codec: KafkaCodec<string> = utf8Codec();
 * codec.deserialize(codec.serialize("héllo")); // "héllo"
 * ```
 */
export interface KafkaCodec<T> extends KafkaSerializer<T>, KafkaDeserializer<T> {
  /**
   * @param value - What to encode.
   * @returns The bytes.
   * @throws Whatever it wants for a value it cannot encode.
   */
  serialize(value: T): Buffer;
}

/**
 * JSON as UTF-8 text. Serializing a value `JSON.stringify` cannot encode
 * (`undefined`, a function, a `BigInt`, a cycle) throws a `TypeError`;
 * deserializing bytes that are not valid JSON throws a `SyntaxError`.
 *
 * @typeParam T - Type of the values (not checked when decoding).
 * @returns The codec.
 * @category Connectors
 * @example
 * ```ts
 * const json = jsonCodec<{ id: number }>();
 * json.serialize({ id: 1 }).toString(); // '{"id":1}'
 * json.deserialize(Buffer.from('{"id":2}')); // { id: 2 }
 * json.deserialize(Buffer.from("oops")); // throws SyntaxError
 * ```
 */
export function jsonCodec<T = unknown>(): KafkaCodec<T> {
  return {
    serialize(value: T): Buffer {
      const text = JSON.stringify(value);
      if (text === undefined) throw new TypeError(`jsonCodec cannot encode ${describeType(value)} as JSON`);
      return Buffer.from(text, "utf8");
    },
    deserialize(bytes: Buffer): T {
      return JSON.parse(bytes.toString("utf8")) as T;
    },
  };
}

/**
 * Strings as UTF-8. Deserializing bytes that are not valid UTF-8 throws a
 * `TypeError` (no silent replacement characters); serializing a non-string
 * throws a `TypeError`.
 *
 * @returns The codec.
 * @category Connectors
 * @example
 * ```ts
 * utf8Codec().serialize("hi"); // <Buffer 68 69>
 * utf8Codec().deserialize(Buffer.from([0xff])); // throws TypeError (invalid UTF-8)
 * ```
 */
export function utf8Codec(): KafkaCodec<string> {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  return {
    serialize(value: string): Buffer {
      if (typeof value !== "string") throw new TypeError(`utf8Codec can only encode strings; got ${describeType(value)}`);
      return Buffer.from(value, "utf8");
    },
    deserialize(bytes: Buffer): string {
      return decoder.decode(bytes);
    },
  };
}

/**
 * The bytes as they are: deserializing returns the `Buffer` read;
 * serializing takes a `Buffer` or `Uint8Array` (anything else throws a
 * `TypeError`).
 *
 * @returns The codec.
 * @category Connectors
 * @example
 * ```ts
 * rawCodec().serialize(Buffer.from([1, 2])); // <Buffer 01 02> (the same Buffer)
 * ```
 */
export function rawCodec(): KafkaCodec<Buffer> {
  return {
    serialize(value: Uint8Array): Buffer {
      if (!(value instanceof Uint8Array)) throw new TypeError(`rawCodec can only encode a Buffer or Uint8Array; got ${describeType(value)}`);
      return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    },
    deserialize(bytes: Buffer): Buffer {
      return bytes;
    },
  };
}

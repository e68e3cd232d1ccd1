/**
 * The per-batch loops of the `kop` serde operators.
 *
 * @module
 * @internal
 */
import { describeType } from "../../../errors.js";
import type { KafkaSourceError, KafkaSourceMessage } from "../messages.js";
import type { KafkaDeserializer, KafkaSerializer } from "../codecs.js";

/** @internal Which part of a message a serde operator encodes. */
export type Part = "key" | "value";

function toBuffer(bytes: unknown, part: Part): Buffer {
  if (Buffer.isBuffer(bytes)) return bytes;
  if (bytes instanceof Uint8Array) return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  throw new TypeError(`the ${part} serializer must return a Buffer or Uint8Array; got ${describeType(bytes)}`);
}

/**
 * @internal Encode `part` of every message with `serializer` (`null` and
 * absent parts are kept as they are). A throw fails the batch.
 */
export function serializeBatch<M extends { readonly key?: unknown; readonly value: unknown }>(
  messages: M[],
  part: Part,
  serializer: KafkaSerializer<any>,
): M[] {
  const n = messages.length;
  const out = new Array<M>(n);
  for (let i = 0; i < n; i++) {
    const m = messages[i];
    const x = m[part];
    out[i] = x === null || x === undefined ? m : { ...m, [part]: toBuffer(serializer.serialize(x), part) };
  }
  return out;
}

/**
 * @internal Decode `part` of every message with `deserializer` (`null`
 * parts are kept). A message it fails on becomes an error item carrying the
 * original message; the others go on.
 */
export function deserializeBatch<K, V>(
  messages: KafkaSourceMessage<K, V>[],
  part: Part,
  deserializer: KafkaDeserializer<unknown>,
): (KafkaSourceMessage<unknown, unknown> | KafkaSourceError<K, V>)[] {
  const n = messages.length;
  const out = new Array<KafkaSourceMessage<unknown, unknown> | KafkaSourceError<K, V>>(n);
  let i = 0;
  // One try per run of successes, not per message; after a failure, go on with the next one.
  while (i < n) {
    try {
      for (; i < n; i++) {
        const m = messages[i];
        const x = m[part];
        out[i] = x === null ? m : { ...m, [part]: deserializer.deserialize(x as Buffer) };
      }
    } catch (err) {
      const m = messages[i];
      const error = err instanceof Error ? err : new Error(String(err));
      out[i] = { error, message: m, topic: m.topic, partition: m.partition };
      i++;
    }
  }
  return out;
}

/**
 * The Kafka operators, `kop`: `input` and `output`, and the serde operators
 * that turn keys and values into bytes and back.
 *
 * @module
 */
export { input } from "./input.js";
export { output } from "./output.js";
export { serializeKey } from "./serializeKey.js";
export { serializeValue } from "./serializeValue.js";
export { deserializeKey } from "./deserializeKey.js";
export { deserializeValue } from "./deserializeValue.js";

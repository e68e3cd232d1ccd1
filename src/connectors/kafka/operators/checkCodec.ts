/**
 * Build-time check of the codecs given to the `kop` serde operators.
 *
 * @module
 * @internal
 */
import { BuildError, describeType } from "../../../errors.js";

/** @internal Throw a `BuildError` unless `codec[method]` is a function. */
export function checkCodec(op: string, stepId: string, codec: unknown, method: "serialize" | "deserialize"): void {
  if (typeof codec !== "object" || codec === null || typeof (codec as Record<string, unknown>)[method] !== "function") {
    throw new BuildError(
      `\`kop.${op}\` step '${stepId}' needs a ${method}r: an object with a \`${method}\` method (such as jsonCodec()); got ${describeType(codec)}`,
    );
  }
}

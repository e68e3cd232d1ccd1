/**
 * Runtime of a guide's `// name = value` comment (see test/docs/blocks.ts):
 * the block's module calls `stated("docs/x.md:12", "name", name, value)` where the
 * comment was. A mismatch throws, failing the block's run; each line that
 * matched is reported on stderr when the process exits, so the test knows
 * that every stated result was reached.
 */
import { isDeepStrictEqual, inspect } from "node:util";

/** The marker before the JSON list of checked lines on stderr. */
export const CHECKED_MARKER = "docs-check: checked lines ";

const checked: string[] = [];
process.on("exit", () => process.stderr.write(`\n${CHECKED_MARKER}${JSON.stringify(checked)}\n`));

/**
 * Checks a stated result.
 *
 * @param where - The comment's guide and line: `docs/x.md:12`.
 * @param name - The name the comment states the value of.
 * @param actual - Its value at that point.
 * @param expected - The stated value.
 * @throws Error when they differ (deep, strict equality).
 */
export function stated(where: string, name: string, actual: unknown, expected: unknown): void {
  if (!isDeepStrictEqual(actual, expected)) {
    throw new Error(`${where}: ${name} = ${inspect(actual, { depth: null })}, but the guide says ${inspect(expected, { depth: null })}`);
  }
  checked.push(where);
}

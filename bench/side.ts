/**
 * Child-process entry of a comparison: run one side of one workload once and
 * print its sample as a JSON line.
 *
 *     node --import tsx bench/side.ts <module> <side> '<params json>'
 *
 * `<module>` is a workload module of this folder (`w1`, `w2` …) exporting
 * `sides`, a map from side name ("sluice", "limit") to a function of the
 * params returning a {@link Sample}.
 */
import type { Sample } from "./lib.js";

const [mod, side, json] = process.argv.slice(2);
const m = (await import(`./${mod}.js`)) as { sides?: Record<string, (params: unknown) => Promise<Sample>> };
const run = m.sides?.[side];
if (run === undefined) {
  console.error(`bench/${mod}.ts has no side '${side}'`);
  process.exit(2);
}
const sample = await run(JSON.parse(json));
process.stdout.write(`${JSON.stringify(sample)}\n`);

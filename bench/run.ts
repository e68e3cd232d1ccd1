/**
 * `npm run bench [-- <name>...] [--quick]`: run the benchmarks and print
 * their tables. `--quick` uses tiny inputs (CI checks that it runs).
 */
import { table } from "./lib.js";
import { benchRecovery } from "./recovery.js";
import { benchWorkers } from "./workers.js";

const BENCHES: Record<string, () => Promise<Record<string, string | number>[]>> = {
  recovery: benchRecovery,
  workers: benchWorkers,
};

const wanted = process.argv.slice(2).filter((a) => !a.startsWith("--"));
for (const name of wanted.length > 0 ? wanted : Object.keys(BENCHES)) {
  const bench = BENCHES[name];
  if (bench === undefined) {
    console.error(`unknown benchmark '${name}'; known: ${Object.keys(BENCHES).join(", ")}`);
    process.exit(2);
  }
  console.log(`\n## ${name}\n`);
  console.log(table(await bench()));
}

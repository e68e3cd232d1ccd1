/**
 * Loading the `Dataflow` a `sluice` command names: import the module (through
 * tsx for TypeScript), pick the export, call it if it is a function.
 *
 * @module
 * @internal
 */
import { stat } from "node:fs/promises";
import { register } from "node:module";
import { extname, resolve as resolvePath } from "node:path";
import { pathToFileURL } from "node:url";
import { describeType } from "../../errors.js";
import { Dataflow } from "../../dataflow/dataflow.js";
import { CliError, type FlowTarget } from "./cliArgs.js";
import { LOADING_FOR_CLI } from "./cliLoading.js";

/** Extensions that need tsx to load. */
const TS_EXTENSIONS = new Set([".ts", ".tsx", ".mts", ".cts", ".jsx"]);

/** Extensions of a module a flow can live in. */
const MODULE_EXTENSIONS = new Set([".js", ".mjs", ".cjs", ...TS_EXTENSIONS]);

let typeScriptReady: Promise<void> | undefined;

/**
 * @internal Install the module hooks that load TypeScript: ours (typeless
 * `.ts` files are ESM) first, then tsx's, once per process.
 */
function enableTypeScript(): Promise<void> {
  typeScriptReady ??= (async () => {
    register(new URL("./tsEsmHooks.js", import.meta.url));
    const tsx = await import("tsx/esm/api");
    tsx.register();
  })();
  return typeScriptReady;
}

/**
 * @internal Load the flow `target` names.
 *
 * @param target - The module file (relative to `cwd`) and export name.
 * @param cwd - Directory relative paths start from.
 * @returns The dataflow.
 * @throws {@link CliError} with exit code 2 for a missing file, a file that
 *   is not a JavaScript or TypeScript module, a missing export or an export
 *   that is not a flow (the target is wrong); exit code 1 (with the original
 *   error as `cause`) when importing the module (it does not compile, or
 *   throws) or calling the export throws (the flow's code failed).
 */
export async function loadFlow(target: FlowTarget, cwd: string = process.cwd()): Promise<Dataflow> {
  const { file, exportName } = target;
  const path = resolvePath(cwd, file);
  const where = path === file ? "" : ` (resolved to ${path})`;
  const info = await stat(path).catch(() => undefined);
  if (info === undefined) throw new CliError(`no such flow file: ${file}${where}`);
  if (!info.isFile()) throw new CliError(`flow file is not a file: ${file}${where}`);
  const ext = extname(path);
  if (ext !== "" && !MODULE_EXTENSIONS.has(ext)) {
    throw new CliError(`flow file ${file} is not a JavaScript or TypeScript module: expected one of ${[...MODULE_EXTENSIONS].join(" ")}; got ${ext}`);
  }

  if (TS_EXTENSIONS.has(ext)) await enableTypeScript();
  let mod: Record<string, unknown>;
  // A module calling cliMain or runMain at its top level must not start a run of its own here.
  (globalThis as Record<symbol, unknown>)[LOADING_FOR_CLI] = true;
  try {
    mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (err) {
    throw new CliError(`error loading flow file ${file}`, { exitCode: 1, cause: err });
  } finally {
    delete (globalThis as Record<symbol, unknown>)[LOADING_FOR_CLI];
  }

  if (!(exportName in mod)) {
    const names = Object.keys(mod);
    const has = names.length === 0 ? "it has no exports" : `its exports are: ${names.join(", ")}`;
    throw new CliError(
      `flow file ${file} has no export '${exportName}'; ${has}. ` + `Name the export with ${file}:<export>`,
    );
  }
  const value = mod[exportName];
  if (value instanceof Dataflow) return value;
  if (typeof value !== "function") {
    throw new CliError(
      `export '${exportName}' of ${file} is not a Dataflow or a function returning one; got ${describeValue(value)}`,
    );
  }
  let made: unknown;
  try {
    made = await (value as () => unknown)();
  } catch (err) {
    throw new CliError(`error calling export '${exportName}' of ${file}`, { exitCode: 1, cause: err });
  }
  if (made instanceof Dataflow) return made;
  throw new CliError(`export '${exportName}' of ${file} is a function that returned ${describeValue(made)}, not a Dataflow`);
}

/** `describeType`, plus a hint for a Dataflow made by another copy of sluice. */
function describeValue(value: unknown): string {
  const text = describeType(value);
  if (typeof value === "object" && value !== null && value.constructor?.name === "Dataflow") {
    return (
      `${text} from another copy of the sluice package than this CLI's; ` +
      "run the project's own CLI (npx sluice) so both use the same copy"
    );
  }
  return text;
}

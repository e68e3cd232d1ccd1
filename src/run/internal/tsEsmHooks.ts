/**
 * Module resolve hook making `sluice run` load TypeScript files as ES
 * modules when their package does not say otherwise.
 *
 * `tsx` follows Node's rule for `.js`: a `.ts` file whose nearest
 * `package.json` has no `"type": "module"` is compiled to CommonJS, where
 * top-level `await` is a syntax error and ESM-only packages (like `sluice`)
 * load only through `require(esm)`. Flow files are written as ES modules, so
 * this hook gives `.ts`/`.tsx` files outside `node_modules` the `module`
 * format. Where the nearest `package.json` says `"type": "commonjs"` (what
 * `npm init` writes), only files that use `import`/`export` statements and
 * none of CommonJS's own names (`require(`, `module.exports`, `exports.`,
 * `__dirname`, `__filename`) are: loaded as CommonJS, such a file would get a
 * second copy of `sluice` through `require`, whose `Dataflow` the CLI does
 * not recognize. `.mts`/`.cts` keep their fixed formats.
 *
 * Registered with `module.register` *before* tsx's hooks, so it runs after
 * them in the chain (on the default resolution) and tsx compiles what it
 * returns as ESM.
 *
 * @module
 * @internal
 */
import { readFileSync } from "node:fs";
import type { ResolveHook } from "node:module";
import { dirname, extname, join, sep } from "node:path";
import { fileURLToPath } from "node:url";

const ESM_EXTENSIONS = new Set([".ts", ".tsx"]);
const packageTypes = new Map<string, string | undefined>();

/**
 * @internal Node resolve hook: see the module comment.
 *
 * @param specifier - What is imported.
 * @param context - Node's resolve context.
 * @param nextResolve - The rest of the chain.
 * @returns The resolution, with format `module` for a TypeScript ES module.
 */
export const resolve: ResolveHook = async (specifier, context, nextResolve) => {
  const result = await nextResolve(specifier, context);
  const format = esmFormatFor(result.url, result.format);
  return format === undefined ? result : { ...result, format: format as "module" };
};

/**
 * @internal The format to load `url` with, or `undefined` to keep `format`.
 *
 * @param url - The resolved URL.
 * @param format - The format found so far (often none for `.ts`).
 * @returns `"module"` (`"module-typescript"` on Node versions that name
 *   TypeScript formats) for a `.ts`/`.tsx` file to treat as ESM.
 */
export function esmFormatFor(url: string, format: string | null | undefined): string | undefined {
  if (!url.startsWith("file:") || format === "module" || format === "module-typescript") return undefined;
  let path: string;
  try {
    path = fileURLToPath(url.replace(/[?#].*$/, ""));
  } catch {
    return undefined;
  }
  if (!ESM_EXTENSIONS.has(extname(path)) || path.includes(`${sep}node_modules${sep}`)) return undefined;
  if (packageTypeOf(dirname(path)) === "commonjs" && !looksLikeEsm(path)) return undefined;
  return format === "commonjs-typescript" ? "module-typescript" : "module";
}

const ESM_SYNTAX = /^[ \t]*(import|export)\b[^(]/m;
const CJS_NAMES = /\brequire\s*\(|\bmodule\.exports\b|\bexports\.|\b__dirname\b|\b__filename\b/;

/** Whether the TypeScript file at `path` is written as an ES module (see the module comment). */
function looksLikeEsm(path: string): boolean {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return false;
  }
  // Comments do not count (roughly: a `//` after a `:` is taken for a URL, not a comment).
  const code = text.replace(/\/\*[\s\S]*?\*\/|(^|[^:])\/\/.*$/gm, "$1");
  return ESM_SYNTAX.test(code) && !CJS_NAMES.test(code);
}

/** The `type` field of the nearest `package.json` above `dir`. */
function packageTypeOf(dir: string): string | undefined {
  if (packageTypes.has(dir)) return packageTypes.get(dir);
  let type: string | undefined;
  let text: string | undefined;
  try {
    text = readFileSync(join(dir, "package.json"), "utf8");
  } catch {
    text = undefined;
  }
  if (text !== undefined) {
    try {
      const pkg = JSON.parse(text) as { type?: unknown };
      type = typeof pkg.type === "string" ? pkg.type : undefined;
    } catch {
      type = undefined;
    }
  } else {
    const parent = dirname(dir);
    type = parent === dir ? undefined : packageTypeOf(parent);
  }
  packageTypes.set(dir, type);
  return type;
}

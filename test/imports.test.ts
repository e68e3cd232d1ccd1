/**
 * No value-import cycles in `src/` (CONVENTIONS.md rule 11).
 *
 * In a cycle of ES modules, whichever module is loaded first is evaluated
 * last, so one top-level use of an imported value (an `extends`, a constant
 * built from an import) becomes a load-order `ReferenceError` that depends on
 * which entry point a user happens to import. This test parses every `.ts`
 * file under `src/` with the TypeScript compiler, keeps the imports that load
 * a module at runtime, and fails on every strongly connected component of
 * that graph, each shown as chains of files.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { assert, describe, expect, it } from "vitest";

const SRC = fileURLToPath(new URL("../src", import.meta.url));

/**
 * The specifiers `fileName` loads when it is evaluated. The project compiles
 * with `verbatimModuleSyntax`, which erases exactly the `import type` and
 * `export type` declarations and keeps every other one, even
 * `import { type A } from "x"` (emitted as `import {} from "x"`, which still
 * loads `x`). Only top-level declarations count: `import()` is lazy and
 * `typeof import("x")` is a type.
 */
function runtimeImports(fileName: string, text: string): string[] {
  const options = { languageVersion: ts.ScriptTarget.Latest, jsDocParsingMode: ts.JSDocParsingMode.ParseNone };
  const file = ts.createSourceFile(fileName, text, options, false, ts.ScriptKind.TS);
  const specifiers: string[] = [];
  for (const statement of file.statements) {
    let specifier: ts.Expression | undefined;
    if (ts.isImportDeclaration(statement) && !statement.importClause?.isTypeOnly) specifier = statement.moduleSpecifier;
    else if (ts.isExportDeclaration(statement) && !statement.isTypeOnly) specifier = statement.moduleSpecifier;
    if (specifier !== undefined && ts.isStringLiteral(specifier)) specifiers.push(specifier.text);
  }
  return specifiers;
}

/** Every `.ts` file under `dir`, as absolute paths, sorted. */
function tsFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts"))
    .map((f) => join(dir, f))
    .sort();
}

interface ImportGraph {
  /** File (relative to `src/`) to the files it loads, sorted. */
  readonly edges: Map<string, string[]>;
  /** Relative imports that name no `.ts` file of `src/`: `"a.ts: ./b.js"`. */
  readonly unresolved: string[];
}

/** The runtime import graph of `src/`: relative `.js` specifiers resolved to `.ts` files. */
function srcGraph(): ImportGraph {
  const files = tsFiles(SRC);
  const known = new Set(files);
  const edges = new Map<string, string[]>();
  const unresolved: string[] = [];
  for (const file of files) {
    const from = relative(SRC, file);
    const targets = new Set<string>();
    for (const specifier of runtimeImports(file, readFileSync(file, "utf8"))) {
      if (!specifier.startsWith(".")) continue; // a package: it cannot import src/ back
      const target = resolve(dirname(file), specifier.replace(/\.js$/, ".ts"));
      if (known.has(target)) targets.add(relative(SRC, target));
      else unresolved.push(`${from}: ${specifier}`);
    }
    edges.set(from, [...targets].sort());
  }
  return { edges, unresolved };
}

/** Tarjan's strongly connected components that hold a cycle (several nodes, or one importing itself). */
function cyclicComponents(edges: ReadonlyMap<string, readonly string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || (edges.get(v) ?? []).includes(v)) components.push(component.sort());
  };
  for (const v of [...edges.keys()].sort()) if (!index.has(v)) visit(v);
  return components.sort((a, b) => (a[0] < b[0] ? -1 : 1));
}

/** A shortest cycle through `start` inside `component`, as `start, ..., start`. */
function shortestCycle(edges: ReadonlyMap<string, readonly string[]>, component: ReadonlySet<string>, start: string): string[] {
  const parent = new Map<string, string>();
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    const v = queue[i];
    for (const w of edges.get(v) ?? []) {
      if (!component.has(w)) continue;
      if (w === start) {
        const path = [start];
        for (let u = v; u !== start; u = parent.get(u)!) path.push(u);
        return [...path, start].reverse();
      }
      if (!parent.has(w)) {
        parent.set(w, v);
        queue.push(w);
      }
    }
  }
  throw new Error(`${start} is in no cycle of its component`);
}

/** At most this many chains per component; the rest of its files are listed. */
const MAX_CHAINS = 5;

/**
 * Each cyclic component as readable chains (`a.ts -> b.ts -> a.ts`):
 * shortest cycles, each through a file no earlier chain passed, so the
 * import to break usually shows up in every chain.
 */
function describeCycles(edges: ReadonlyMap<string, readonly string[]>): string[] {
  return cyclicComponents(edges).map((component) => {
    const members = new Set(component);
    const uncovered = new Set(component);
    const chains: string[] = [];
    for (const file of component) {
      if (!uncovered.has(file)) continue;
      if (chains.length === MAX_CHAINS) {
        chains.push(`... and ${uncovered.size} more files: ${[...uncovered].join(", ")}`);
        break;
      }
      const cycle = shortestCycle(edges, members, file);
      for (const f of cycle) uncovered.delete(f);
      chains.push(cycle.join(" -> "));
    }
    return `cycle of ${component.length} file${component.length === 1 ? "" : "s"}:\n    ${chains.join("\n    ")}`;
  });
}

describe("value-import cycles", () => {
  let parsed: ImportGraph | undefined;
  const graph = (): ImportGraph => (parsed ??= srcGraph());

  it("src/ has none", () => {
    const cycles = describeCycles(graph().edges);
    if (cycles.length > 0) {
      assert.fail(
        "value-import cycles in src/ (CONVENTIONS.md rule 11: the bottom of a layer imports the top only with `import type`):\n  " +
          cycles.join("\n  "),
      );
    }
  });

  it("every relative import of src/ names one of its .ts files (so no edge is missed)", () => {
    expect(graph().unresolved).toEqual([]);
  });

  it("counts only the imports that load a module at runtime", () => {
    const source = [
      'import a from "./a.js";',
      'import { b, type B } from "./b.js";',
      'import * as c from "./c.js";',
      'import "./d.js";',
      'export * from "./e.js";',
      'export { f } from "./f.js";',
      'export * as g from "./g.js";',
      'import { type H } from "./h.js";', // emitted as `import {} from "./h.js"`
      'import type { T1 } from "./t1.js";',
      'import type * as T2 from "./t2.js";',
      'export type { T3 } from "./t3.js";',
      'export type * from "./t4.js";',
      'export { x };',
      'const x = 1;',
      'type T5 = typeof import("./t5.js");',
      'export async function load() { return import("./lazy.js"); }',
    ].join("\n");
    expect(runtimeImports("m.ts", source)).toEqual(["./a.js", "./b.js", "./c.js", "./d.js", "./e.js", "./f.js", "./g.js", "./h.js"]);
  });

  it("reports each cycle as a chain of files", () => {
    const edges = new Map([
      ["a.ts", ["b.ts"]],
      ["b.ts", ["c.ts", "d.ts"]],
      ["c.ts", ["a.ts"]],
      ["d.ts", []],
      ["e.ts", ["e.ts"]],
      ["f.ts", ["a.ts"]],
    ]);
    expect(describeCycles(edges)).toEqual(["cycle of 3 files:\n    a.ts -> b.ts -> c.ts -> a.ts", "cycle of 1 file:\n    e.ts -> e.ts"]);
  });
});

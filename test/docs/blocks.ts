/**
 * Finds the code blocks of the guides (README.md and docs/*.md) and turns
 * each TypeScript block into a module that test/docs/codeBlocks.test.ts
 * type-checks and, when it states a result, runs. The convention, for
 * whoever writes a guide:
 *
 * - Every ```ts / ```typescript block is checked: it is compiled on its own,
 *   as a module importing `sluice`, `sluice/testing` and
 *   `sluice/connectors/...` the way a user's project does (the package's
 *   built types), with the project's strict compiler options.
 * - A fragment may use the names test/docs/preamble.ts exports (`flow`,
 *   `out`, `keyed` and the public API) without declaring them.
 * - A comment `// name = value` states a result: the block is run (in its
 *   own Node process, from a scratch directory) and `name` must deep-equal
 *   `value` once the statement before the comment has run. `value` is a
 *   JavaScript expression (`[["a", 1]]`, `Buffer.from("hi")`); text after
 *   it is prose (`// out = [1]: after the first epoch`).
 * - A block that quotes a file of the repo instead (the examples) says so
 *   with `<!-- excerpt: examples/x.ts -->` on the line before its fence:
 *   each of its lines must be a line of that file, in order (indentation
 *   aside), and the file itself is type-checked with the blocks.
 * - A ```sh or ```text block whose first line is `$ npx sluice run FILE`
 *   (no options), followed by the output, is run with the CLI and its
 *   standard output compared. FILE is a file of the repo, or the page's
 *   TypeScript block whose first line is the comment `// FILE`.
 *
 * There is no way to skip a block: to show code that must not compile, use
 * `// @ts-expect-error` in it; for text that is not code, another language.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";

/** Languages of checked blocks. */
export const TS_LANGS = new Set(["ts", "typescript"]);
/** Languages of blocks that are not checked as code (shell sessions, output, diagrams). */
export const TEXT_LANGS = new Set(["sh", "text", "mermaid"]);

/** A fenced code block of a guide. */
export interface FencedBlock {
  /** The guide, relative to the repo root: `docs/windowing.md`. */
  readonly file: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  readonly lang: string;
  /** The block's lines, without the fence's indentation. */
  readonly lines: readonly string[];
  /** The HTML comment on the line before the fence, without `<!--`/`-->`. */
  readonly marker: string | undefined;
}

/** The guides: README.md and every docs/*.md, relative to `root`. */
export function guideFiles(root: string): string[] {
  const docs = readdirSync(join(root, "docs"))
    .filter((f) => f.endsWith(".md"))
    .sort()
    .map((f) => `docs/${f}`);
  return ["README.md", ...docs];
}

/** Every fenced block of `file` (relative to `root`). */
export function fencedBlocks(root: string, file: string): FencedBlock[] {
  const text = readFileSync(join(root, file), "utf8").split("\n");
  const blocks: FencedBlock[] = [];
  for (let i = 0; i < text.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([\w-]*)/.exec(text[i]);
    if (open === null) continue;
    const [, indent, fence, lang] = open;
    const lines: string[] = [];
    let j = i + 1;
    for (; j < text.length && !(text[j].trim().startsWith(fence) && text[j].trim().replace(/[`~]/g, "") === ""); j++) {
      lines.push(text[j].startsWith(indent) ? text[j].slice(indent.length) : text[j].trimStart());
    }
    const prev = i > 0 ? /^\s*<!--(.*)-->\s*$/.exec(text[i - 1]) : null;
    blocks.push({ file, line: i + 1, lang: lang.toLowerCase(), lines, marker: prev?.[1].trim() });
    i = j;
  }
  return blocks;
}

/** A `// name = value` comment of a block. */
export interface StatedResult {
  /** The name whose value is stated. */
  readonly name: string;
  /** The stated value, a JavaScript expression. */
  readonly value: string;
  /** 0-based line in the block. */
  readonly blockLine: number;
}

/** A TypeScript block made into a module. */
export interface BlockModule {
  /** The module's text: line 1 imports the preamble, line `n + 2` is the block's line `n` (0-based). */
  readonly text: string;
  readonly stated: StatedResult[];
}

/** Lines of the generated module before the block's first line. */
export const HEADER_LINES = 1;

/** The longest prefix of `text` that is one JavaScript expression (balanced brackets for a literal). */
function statedValue(text: string): string | undefined {
  const open = "[{(";
  const close = "]})";
  if (open.includes(text[0]) || text[0] === '"' || text[0] === "'") {
    let depth = 0;
    let quote: string | undefined;
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (quote !== undefined) {
        if (c === "\\") i++;
        else if (c === quote) quote = undefined;
        if (quote === undefined && depth === 0) return text.slice(0, i + 1);
        continue;
      }
      if (c === '"' || c === "'" || c === "`") quote = c;
      else if (open.includes(c)) depth++;
      else if (close.includes(c) && --depth === 0) return text.slice(0, i + 1);
    }
    return undefined;
  }
  for (let end = text.length; end > 0; end--) {
    const candidate = text.slice(0, end).trimEnd();
    const file = ts.createSourceFile("v.ts", `(${candidate});`, ts.ScriptTarget.Latest);
    const diagnostics = (file as unknown as { parseDiagnostics: unknown[] }).parseDiagnostics;
    if (diagnostics.length === 0 && file.statements.length === 1) return candidate;
  }
  return undefined;
}

/** Names declared at the top level of `file` (imports, variables, functions, classes, types). */
function topLevelNames(file: ts.SourceFile): Set<string> {
  const names = new Set<string>();
  const bind = (name: ts.BindingName): void => {
    if (ts.isIdentifier(name)) names.add(name.text);
    else for (const element of name.elements) if (!ts.isOmittedExpression(element)) bind(element.name);
  };
  for (const statement of file.statements) {
    if (ts.isImportDeclaration(statement)) {
      const clause = statement.importClause;
      if (clause?.name) names.add(clause.name.text);
      const bindings = clause?.namedBindings;
      if (bindings && ts.isNamespaceImport(bindings)) names.add(bindings.name.text);
      else if (bindings) for (const element of bindings.elements) names.add(element.name.text);
    } else if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) bind(declaration.name);
    } else if (
      (ts.isFunctionDeclaration(statement) ||
        ts.isClassDeclaration(statement) ||
        ts.isInterfaceDeclaration(statement) ||
        ts.isTypeAliasDeclaration(statement) ||
        ts.isEnumDeclaration(statement)) &&
      statement.name
    ) {
      names.add(statement.name.text);
    }
  }
  return names;
}

/** Every identifier in `file`. */
function identifiers(file: ts.SourceFile): Set<string> {
  const names = new Set<string>();
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node)) names.add(node.text);
    node.forEachChild(visit);
  };
  visit(file);
  return names;
}

/**
 * The module for a TypeScript block: line 1 imports the preamble's names
 * the block uses and does not declare (`preamble` maps each exported name to
 * whether it is a value), and each `// name = value` comment becomes a
 * check of `name` on the same line (so lines keep their numbers).
 *
 * @param preambleSpecifier - How the module imports the preamble.
 * @param statedSpecifier - How it imports `stated` (test/docs/stated.ts).
 */
export function blockModule(block: FencedBlock, preamble: ReadonlyMap<string, boolean>, preambleSpecifier: string, statedSpecifier: string): BlockModule {
  const code = block.lines.join("\n");
  const file = ts.createSourceFile("block.ts", code, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const declared = topLevelNames(file);
  const wanted = [...identifiers(file)].filter((n) => preamble.has(n) && !declared.has(n)).sort();

  // `// name = value` comments, found by the scanner so that `//` in strings do not count.
  const stated: StatedResult[] = [];
  const lines = [...block.lines];
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, false, ts.LanguageVariant.Standard, code);
  const edits: { line: number; column: number; replacement: string }[] = [];
  for (let token = scanner.scan(); token !== ts.SyntaxKind.EndOfFileToken; token = scanner.scan()) {
    if (token !== ts.SyntaxKind.SingleLineCommentTrivia) continue;
    const match = /^\/\/\s*([A-Za-z_$][\w$]*) = (.+)$/.exec(scanner.getTokenText());
    if (match === null) continue;
    const { line, character } = file.getLineAndCharacterOfPosition(scanner.getTokenStart());
    const value = statedValue(match[2]);
    if (value === undefined) throw new Error(`${block.file}:${block.line + 1 + line}: cannot read the value stated in \`${scanner.getTokenText()}\``);
    stated.push({ name: match[1], value, blockLine: line });
    const docLine = block.line + 1 + line;
    const before = lines[line].slice(0, character).trim() === "" ? "" : "; ";
    const at = JSON.stringify(`${block.file}:${docLine}`);
    edits.push({ line, column: character, replacement: `${before}__stated(${at}, ${JSON.stringify(match[1])}, ${match[1]}, ${value}); ${scanner.getTokenText()}` });
  }
  for (const { line, column, replacement } of edits) lines[line] = lines[line].slice(0, column) + replacement;

  const imports: string[] = [];
  if (wanted.length > 0) {
    const specifiers = wanted.map((n) => (preamble.get(n) ? n : `type ${n}`));
    imports.push(`import { ${specifiers.join(", ")} } from ${JSON.stringify(preambleSpecifier)};`);
  }
  if (stated.length > 0) imports.push(`import { stated as __stated } from ${JSON.stringify(statedSpecifier)};`);
  return { text: [imports.join(" "), ...lines, ""].join("\n"), stated };
}

/**
 * Where an excerpt block departs from its file: `undefined` when each of its
 * non-blank lines is a line of `source`, in order, indentation aside;
 * otherwise the 0-based index of the first line not found.
 */
export function excerptMismatch(lines: readonly string[], source: string): number | undefined {
  const sourceLines = source.split("\n").map((l) => l.trim());
  let at = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === "") continue;
    const found = sourceLines.indexOf(line, at);
    if (found < 0) return i;
    at = found + 1;
  }
  return undefined;
}

/** A shell or text block that shows what `npx sluice run FILE` prints. */
export interface RunOutput {
  /** What the command runs, as written: `examples/wordcount.ts`, `flow.ts`. */
  readonly target: string;
  /** The expected standard output, one entry per line. */
  readonly expected: readonly string[];
}

/** The command and output of a block like "$ npx sluice run FILE" + output lines, else `undefined`. */
export function runOutput(block: FencedBlock): RunOutput | undefined {
  if (!TEXT_LANGS.has(block.lang)) return undefined;
  const command = /^\$ npx sluice run (\S+)\s*$/.exec(block.lines[0] ?? "");
  if (command === null) return undefined;
  const expected = block.lines.slice(1);
  while (expected.length > 0 && expected[expected.length - 1].trim() === "") expected.pop();
  return { target: command[1], expected };
}

/** The file name a TypeScript block gives itself with a first line `// name.ts`. */
export function blockFileName(block: FencedBlock): string | undefined {
  return /^\/\/\s*([\w.-]+\.ts)\s*$/.exec(block.lines[0] ?? "")?.[1];
}

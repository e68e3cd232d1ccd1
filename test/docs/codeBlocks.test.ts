/**
 * The code in the guides (README.md, docs/*.md) compiles and does what the
 * guides say (CONVENTIONS.md rule 7: examples cannot rot). The convention
 * for writing a block is in test/docs/blocks.ts; the names a fragment may
 * use are in test/docs/preamble.ts.
 *
 * Every TypeScript block becomes a module under .cache/docs-blocks/ and all
 * of them are type-checked in one program with the options of
 * tsconfig.json, importing the package by its name (`sluice`, resolved to
 * the built types of dist/, which test/globalSetup.ts builds). A block that
 * states a result runs in its own Node process; a `$ npx sluice run FILE`
 * block runs the CLI. A failure names the guide and the line.
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  blockFileName,
  blockModule,
  excerptMismatch,
  fencedBlocks,
  guideFiles,
  HEADER_LINES,
  runOutput,
  TEXT_LANGS,
  TS_LANGS,
  type BlockModule,
  type FencedBlock,
} from "./blocks.js";
import { CHECKED_MARKER } from "./stated.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const OUT = join(ROOT, ".cache", "docs-blocks");
const PREAMBLE = join(ROOT, "test", "docs", "preamble.ts");
const STATED = join(ROOT, "test", "docs", "stated.ts");
const TSX = pathToFileURL(createRequire(import.meta.url).resolve("tsx/esm")).href;
const SLUICE_BIN = join(ROOT, "bin", "sluice.js");

const EXCERPT = /^excerpt:\s*(\S+)$/;

const all = guideFiles(ROOT).flatMap((file) => fencedBlocks(ROOT, file));
const tsBlocks = all.filter((b) => TS_LANGS.has(b.lang));
const where = (b: FencedBlock): string => `${b.file}:${b.line}`;

/** The compiler options of tsconfig.json (strict, NodeNext, verbatimModuleSyntax ...). */
function compilerOptions(): ts.CompilerOptions {
  const parsed = ts.getParsedCommandLineOfConfigFile(join(ROOT, "tsconfig.json"), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
    },
  });
  if (parsed === undefined) throw new Error("cannot read tsconfig.json");
  return { ...parsed.options, noEmit: true, incremental: false };
}

/** The preamble's exports: name to whether it is a value (else a type only). */
function preambleExports(options: ts.CompilerOptions): { exports: Map<string, boolean>; program: ts.Program } {
  const program = ts.createProgram([PREAMBLE], options);
  const checker = program.getTypeChecker();
  const moduleSymbol = checker.getSymbolAtLocation(program.getSourceFile(PREAMBLE)!)!;
  const exports = new Map<string, boolean>();
  for (const symbol of checker.getExportsOfModule(moduleSymbol)) {
    const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    exports.set(symbol.name, (target.flags & ts.SymbolFlags.Value) !== 0);
  }
  return { exports, program };
}

/** A diagnostic as `docs/x.md:12:5 - error TS2345: ...`, with its line in the guide. */
function formatDiagnostic(d: ts.Diagnostic, toGuide: (line: number) => string): string {
  const message = ts.flattenDiagnosticMessageText(d.messageText, "\n  ");
  if (d.file === undefined || d.start === undefined) return `error TS${d.code}: ${message}`;
  const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
  return `${toGuide(line)}:${character + 1} - error TS${d.code}: ${message}`;
}

interface Generated {
  readonly block: FencedBlock;
  readonly path: string;
  readonly module: BlockModule;
}

const generated = new Map<FencedBlock, Generated>();
const diagnostics = new Map<string, string[]>();

/** Runs a Node process; resolves with its exit code and output whatever the code. */
function run(args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd, timeout: 60_000, encoding: "utf8", env: { ...process.env, SLUICE_LOG: "" } }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === "number" ? error.code : null) : 0, stdout, stderr });
    });
  });
}

const scratch = mkdtempSync(join(tmpdir(), "sluice-docs-"));

beforeAll(() => {
  rmSync(OUT, { recursive: true, force: true });
  const options = compilerOptions();
  const { exports, program: preambleProgram } = preambleExports(options);
  const roots: string[] = [];
  for (const block of tsBlocks) {
    if (block.marker !== undefined && EXCERPT.test(block.marker)) continue;
    const dir = join(OUT, `${block.file.replace(/[/.]/g, "-")}-${block.line}`);
    mkdirSync(dir, { recursive: true });
    const path = join(dir, blockFileName(block) ?? "block.ts");
    const specifier = (target: string): string => relative(dir, target).replace(/\\/g, "/").replace(/\.ts$/, ".js");
    const module = blockModule(block, exports, specifier(PREAMBLE), specifier(STATED));
    writeFileSync(path, module.text);
    generated.set(block, { block, path, module });
    roots.push(path);
  }
  const excerpts = [...new Set(tsBlocks.flatMap((b) => EXCERPT.exec(b.marker ?? "")?.[1] ?? []))].map((p) => join(ROOT, p)).filter(existsSync);
  const program = ts.createProgram({ rootNames: [...roots, ...excerpts], options, oldProgram: preambleProgram });
  for (const { block, path } of generated.values()) {
    const file = program.getSourceFile(path)!;
    const toGuide = (line: number): string => `${block.file}:${block.line + 1 + Math.max(0, line - HEADER_LINES)}`;
    diagnostics.set(path, ts.getPreEmitDiagnostics(program, file).map((d) => formatDiagnostic(d, toGuide)));
  }
  for (const path of excerpts) {
    const file = program.getSourceFile(path)!;
    const rel = relative(ROOT, path);
    diagnostics.set(path, ts.getPreEmitDiagnostics(program, file).map((d) => formatDiagnostic(d, (line) => `${rel}:${line + 1}`)));
  }
}, 120_000);

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("the guides' code blocks", () => {
  it("are found: README.md and every docs/*.md, TypeScript blocks in each guide that has code", () => {
    expect(guideFiles(ROOT)).toContain("docs/getting-started.md");
    expect(tsBlocks.length).toBeGreaterThan(30);
  });

  it("are TypeScript (checked) or shell sessions and text (not code)", () => {
    const unchecked = all.filter((b) => !TS_LANGS.has(b.lang) && !TEXT_LANGS.has(b.lang)).map((b) => `${where(b)}: \`\`\`${b.lang}`);
    expect(unchecked, "write code as ```ts so that it is checked; other text as ```text").toEqual([]);
  });

  it("carry no marker but `<!-- excerpt: FILE -->` (there is no way to skip a block)", () => {
    const unknown = tsBlocks.filter((b) => b.marker !== undefined && !EXCERPT.test(b.marker)).map((b) => `${where(b)}: <!-- ${b.marker} -->`);
    expect(unknown).toEqual([]);
  });
});

describe.each(tsBlocks.map((b) => [where(b), b] as const))("%s", (_name, block) => {
  const excerpt = EXCERPT.exec(block.marker ?? "")?.[1];
  if (excerpt !== undefined) {
    it(`is an excerpt of ${excerpt}, which compiles`, () => {
      const path = join(ROOT, excerpt);
      expect(existsSync(path), `${where(block)}: ${excerpt} does not exist`).toBe(true);
      const mismatch = excerptMismatch(block.lines, readFileSync(path, "utf8"));
      const message = mismatch === undefined ? "" : `${block.file}:${block.line + 1 + mismatch}: not a line of ${excerpt} (after the lines above it): ${block.lines[mismatch].trim()}`;
      expect(message).toBe("");
      expect(diagnostics.get(path)).toEqual([]);
    });
    return;
  }

  it("compiles", () => {
    const { path } = generated.get(block)!;
    expect(diagnostics.get(path), `${where(block)}: the block as checked is in ${relative(ROOT, path)}`).toEqual([]);
  });
});

const outputs = all.flatMap((block) => {
  const output = runOutput(block);
  return output === undefined ? [] : [{ block, output }];
});
const statingResults = tsBlocks.filter((b) => !EXCERPT.test(b.marker ?? "") && b.lines.some((l) => /\/\/\s*[A-Za-z_$][\w$]* = /.test(l)));

// Each of these runs a Node process: concurrently.
describe.concurrent("what the guides say their code does", () => {
  for (const block of statingResults) {
    it(`${where(block)} does what its \`// name = value\` comments say`, async ({ expect }) => {
      const { path, module } = generated.get(block)!;
      const cwd = mkdtempSync(join(scratch, "run-"));
      const { code, stdout, stderr } = await run(["--import", TSX, path], cwd);
      const marker = stderr.lastIndexOf(CHECKED_MARKER);
      const checked = marker < 0 ? [] : (JSON.parse(stderr.slice(marker + CHECKED_MARKER.length).split("\n")[0]) as string[]);
      const context = `${where(block)} (run as ${relative(ROOT, path)}):\n${stdout}${stderr}`;
      expect(code, context).toBe(0);
      expect(checked, context).toEqual(module.stated.map((s) => `${block.file}:${block.line + 1 + s.blockLine}`));
    });
  }

  for (const { block, output } of outputs) {
    it(`${where(block)} shows what \`sluice run ${output.target}\` prints`, async ({ expect }) => {
      // The target is the page's block named by a `// FILE` first line (the last one before), or a file of the repo.
      const named = tsBlocks.filter((b) => b.file === block.file && b.line < block.line && blockFileName(b) === output.target).at(-1);
      const target = named === undefined ? join(ROOT, output.target) : generated.get(named)?.path;
      expect(target !== undefined && existsSync(target), `${where(block)}: no file ${output.target}, and no block of ${block.file} above starts with \`// ${output.target}\``).toBe(true);
      const { code, stdout, stderr } = await run([SLUICE_BIN, "run", target!], ROOT);
      expect(code, `${where(block)}: ${stderr}`).toBe(0);
      expect(stdout.replace(/\n$/, "").split("\n"), where(block)).toEqual(output.expected);
    });
  }
});

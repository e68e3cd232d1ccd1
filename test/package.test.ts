// What `npm pack` puts in the package users install: everything the exports,
// the bin and the worker threads load at run time, the examples (which run
// from node_modules/sluice/examples), and nothing of the repo's tests or
// benchmarks. (test/globalSetup.ts builds dist/ first.)
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

interface PackageJson {
  version: string;
  bin: Record<string, string>;
  exports: Record<string, string | { types: string; default: string }>;
  license: string;
}

/** The files `npm pack` would include, relative to the package root. */
function packedFiles(): Set<string> {
  const out = execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: ROOT, encoding: "utf8" });
  const [report] = JSON.parse(out) as [{ files: { path: string }[] }];
  return new Set(report.files.map((f) => f.path));
}

describe("the packed package", () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as PackageJson;
  const files = packedFiles();

  it("holds the bin, every export's code and types, and the license", () => {
    const wanted = new Set<string>(["README.md", "LICENSE", "package.json", ...Object.values(pkg.bin).map((p) => p.replace(/^\.\//, ""))]);
    const connectors = readdirSync(join(ROOT, "src", "connectors"), { withFileTypes: true }).filter((d) => d.isDirectory());
    for (const [subpath, target] of Object.entries(pkg.exports)) {
      if (typeof target === "string") continue;
      for (const path of [target.types, target.default]) {
        const rel = path.replace(/^\.\//, "");
        if (subpath.includes("*")) for (const d of connectors) wanted.add(rel.replace("*", d.name));
        else wanted.add(rel);
      }
    }
    expect(connectors.length).toBeGreaterThan(4);
    expect([...wanted].filter((f) => !files.has(f))).toEqual([]);
    expect(pkg.license).toBe("Apache-2.0");
    expect(readFileSync(join(ROOT, "LICENSE"), "utf8")).toContain("Apache License");
  });

  it("holds what runs by file rather than by import: worker threads and the TypeScript loader hook", () => {
    for (const f of ["dist/run/internal/workerMain.js", "dist/run/internal/tsEsmHooks.js"]) {
      expect(files.has(f), f).toBe(true);
    }
  });

  it("leaves out the repo's tests, benchmarks, scripts, guides and caches", () => {
    const stray = [...files].filter((f) => /^(test|bench|scripts|\.cache|\.ci|docs|node_modules)\//.test(f));
    expect(stray).toEqual([]);
  });

  it("holds every example and its data", () => {
    const examples = readdirSync(join(ROOT, "examples"), { recursive: true, withFileTypes: true })
      .filter((d) => d.isFile())
      .map((d) => relative(ROOT, join(d.parentPath, d.name)).replace(/\\/g, "/"));
    expect(examples).toContain("examples/wordcount.ts");
    expect(examples.filter((f) => !files.has(f))).toEqual([]);
  });

  it("runs a shipped example from node_modules/sluice/examples in a project that installed the tarball", () => {
    const project = mkdtempSync(join(tmpdir(), "sluice-pack-"));
    try {
      execFileSync("npm", ["pack", "--ignore-scripts", "--pack-destination", project], { cwd: ROOT, stdio: "ignore" });
      const installed = join(project, "node_modules", "sluice");
      mkdirSync(installed, { recursive: true });
      execFileSync("tar", ["xzf", join(project, `sluice-${pkg.version}.tgz`), "-C", installed, "--strip-components=1"]);
      // The package's own dependencies, as npm would have installed them.
      symlinkSync(join(ROOT, "node_modules"), join(installed, "node_modules"), "dir");
      writeFileSync(join(project, "package.json"), JSON.stringify({ name: "user-project", type: "commonjs" }));
      const { WORDCOUNT_INPUT: _input, ...env } = process.env;
      const out = execFileSync(process.execPath, [join(installed, "bin", "sluice.js"), "run", "node_modules/sluice/examples/wordcount.ts"], {
        cwd: project,
        encoding: "utf8",
        env,
      });
      // examples/data/wordcount.txt, read from the installed package.
      expect(out.split("\n")).toContain("the: 10");
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  });
});

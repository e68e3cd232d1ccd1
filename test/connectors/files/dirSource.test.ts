import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { DirSource } from "../../../src/connectors/files/index.js";
import { ConnectorError } from "../../../src/errors.js";
import { drain, take, tempDir } from "./helpers.js";

function makeTree(files: Record<string, string>): string {
  const dir = tempDir();
  for (const [rel, content] of Object.entries(files)) {
    const file = path.join(dir, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
  }
  return dir;
}

describe("DirSource", () => {
  it("has one partition per file directly in the directory by default, sorted", () => {
    const dir = makeTree({ "b.txt": "", "a.log": "", "c.txt": "", "sub/d.txt": "", ".hidden": "" });
    expect(new DirSource(dir).listParts()).toEqual(["a.log", "b.txt", "c.txt"]);
  });

  it("filters by glob on the relative path", () => {
    const dir = makeTree({ "b.txt": "", "a.log": "", "c.txt": "", "sub/d.txt": "", "sub/deeper/e.txt": "" });
    expect(new DirSource(dir, { glob: "*.txt" }).listParts()).toEqual(["b.txt", "c.txt"]);
    expect(new DirSource(dir, { glob: "sub/*.txt" }).listParts()).toEqual(["sub/d.txt"]);
    expect(new DirSource(dir, { glob: "**/*.txt" }).listParts()).toEqual(["b.txt", "c.txt", "sub/d.txt", "sub/deeper/e.txt"]);
    expect(new DirSource(dir, { glob: "*.csv" }).listParts()).toEqual([]);
  });

  it("reads each file's lines in its own partition", async () => {
    const dir = makeTree({ "x.txt": "x1\nx2\n", "sub/y.txt": "y1\r\n\r\ny3", "z.md": "no\n" });
    const src = new DirSource(dir, { glob: "**/*.txt" });
    const parts = src.listParts();
    expect(parts).toEqual(["sub/y.txt", "x.txt"]);
    expect(await drain(await src.buildPart("flow.in", "sub/y.txt", undefined))).toEqual(["y1", "", "y3"]);
    expect(await drain(await src.buildPart("flow.in", "x.txt", undefined))).toEqual(["x1", "x2"]);
  });

  it("resumes each file from its own snapshot", async () => {
    const lines = Array.from({ length: 10 }, (_, i) => `l${i}`);
    const dir = makeTree({ "a.txt": lines.join("\n") + "\n" });
    const src = new DirSource(dir, { batchSize: 4 });
    const first = await src.buildPart("flow.in", "a.txt", undefined);
    const head = await take(first, 1);
    const second = await src.buildPart("flow.in", "a.txt", first.snapshot());
    expect([...head, ...(await drain(second))]).toEqual(lines);
  });

  it("fails with a ConnectorError naming a missing directory", () => {
    const missing = path.join(tempDir(), "absent");
    const src = new DirSource(missing);
    expect(() => src.listParts()).toThrow(ConnectorError);
    expect(() => src.listParts()).toThrow(`'${missing}'`);
    expect(() => src.buildPart("flow.in", "a.txt", undefined)).toThrow(`'${missing}'`);
  });

  it("fails with a ConnectorError naming a file removed after listing", () => {
    const dir = makeTree({ "gone.txt": "x\n" });
    const src = new DirSource(dir);
    expect(src.listParts()).toEqual(["gone.txt"]);
    fs.rmSync(path.join(dir, "gone.txt"));
    expect(() => src.buildPart("flow.in", "gone.txt", undefined)).toThrow(ConnectorError);
    expect(() => src.buildPart("flow.in", "gone.txt", undefined)).toThrow("gone.txt");
  });
});

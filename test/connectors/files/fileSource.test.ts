import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { FileSource } from "../../../src/connectors/files/index.js";
import { BuildError, ConnectorError } from "../../../src/errors.js";
import { buildOnly, drain, drainBatches, take, tempDir } from "./helpers.js";

function writeFile(content: string | Buffer): string {
  const file = path.join(tempDir(), "in.txt");
  fs.writeFileSync(file, content);
  return file;
}

describe("FileSource", () => {
  it("has one partition named by the path as given", () => {
    expect(new FileSource("some/rel/path.txt").listParts()).toEqual(["some/rel/path.txt"]);
  });

  it("reads every line with the newline stripped, blank lines kept", async () => {
    const file = writeFile("a\n\nb\n  c  \n\n");
    const part = await buildOnly(new FileSource(file));
    expect(await drain(part)).toEqual(["a", "", "b", "  c  ", ""]);
    expect(part.snapshot()).toBe(fs.statSync(file).size);
    expect(await part.nextBatch()).toBeNull();
    await part.close?.();
  });

  it("strips CRLF line endings and emits a last line without newline", async () => {
    const file = writeFile("one\r\ntwo\r\n\r\nlast");
    const part = await buildOnly(new FileSource(file));
    expect(await drain(part)).toEqual(["one", "two", "", "last"]);
    expect(part.snapshot()).toBe(Buffer.byteLength("one\r\ntwo\r\n\r\nlast"));
  });

  it("reads an empty file as no lines", async () => {
    const part = await buildOnly(new FileSource(writeFile("")));
    expect(await part.nextBatch()).toBeNull();
    expect(part.snapshot()).toBe(0);
  });

  it("respects batchSize", async () => {
    const lines = Array.from({ length: 25 }, (_, i) => `line ${i}`);
    const part = await buildOnly(new FileSource(writeFile(lines.join("\n") + "\n"), { batchSize: 10 }));
    const batches = await drainBatches(part);
    expect(batches.map((b) => b.length)).toEqual([10, 10, 5]);
    expect(batches.flat()).toEqual(lines);
  });

  it("resumes from a snapshot taken mid-file without losing or repeating a line", async () => {
    const lines = Array.from({ length: 100 }, (_, i) => `x${i} ${"é".repeat(i % 7)}`);
    const file = writeFile(lines.join("\n") + "\n");
    const src = new FileSource(file, { batchSize: 7 });
    const first = await buildOnly(src);
    const head = await take(first, 3);
    const state = first.snapshot();
    expect(head).toEqual(lines.slice(0, 21));
    await first.nextBatch(); // read on past the snapshot: those lines are replayed on resume
    const second = await buildOnly(src, state);
    expect([...head, ...(await drain(second))]).toEqual(lines);
  });

  it("continues from the end-of-file snapshot after the file grows", async () => {
    const file = writeFile("a\nb\n");
    const src = new FileSource(file);
    const first = await buildOnly(src);
    expect(await drain(first)).toEqual(["a", "b"]);
    const state = first.snapshot();
    await first.close?.();
    fs.appendFileSync(file, "c\nd\n");
    const second = await buildOnly(src, state);
    expect(await drain(second)).toEqual(["c", "d"]);
    expect(second.snapshot()).toBe(8);
  });

  it("decodes multi-byte UTF-8 split across the 64 KiB read boundary", async () => {
    const chunk = 64 * 1024;
    // Put 4-byte, 3-byte and 2-byte characters across the first and second chunk boundaries.
    const first = "a".repeat(chunk - 2) + "😀" + "b"; // the emoji starts 2 bytes before the boundary
    const second = "c".repeat(chunk - 5) + "€é"; // the euro sign starts 1 byte before the second boundary
    const content = `${first}\n${second}\nend`;
    const bytes = Buffer.from(content);
    expect(bytes.indexOf("😀")).toBe(chunk - 2);
    expect(bytes.indexOf("€")).toBe(2 * chunk - 1);
    const file = writeFile(content);
    const part = await buildOnly(new FileSource(file));
    expect(await drain(part)).toEqual([first, second, "end"]);
  });

  it("reads a 200,000-line file completely, in bounded batches", async () => {
    const n = 200_000;
    const content = Array.from({ length: n }, (_, i) => `row-${i}`).join("\n") + "\n";
    const file = writeFile(content);
    const part = await buildOnly(new FileSource(file));
    const batches = await drainBatches(part);
    expect(Math.max(...batches.map((b) => b.length))).toBe(1000);
    const all = batches.flat();
    expect(all.length).toBe(n);
    expect(all[0]).toBe("row-0");
    expect(all[123_456]).toBe("row-123456");
    expect(all[n - 1]).toBe(`row-${n - 1}`);
    expect(part.snapshot()).toBe(Buffer.byteLength(content));
  });

  it("returns an empty batch rather than blocking on a very long line", async () => {
    const long = "z".repeat(3 * 1024 * 1024);
    const part = await buildOnly(new FileSource(writeFile(`${long}\nshort\n`)));
    expect(await part.nextBatch()).toEqual([]); // first MiB read, no line complete yet
    expect(await drain(part)).toEqual([long, "short"]);
  });

  it("fails with a ConnectorError naming a missing file", async () => {
    const missing = path.join(tempDir(), "nope.txt");
    const src = new FileSource(missing);
    expect(() => src.buildPart("flow.in", missing, undefined)).toThrow(ConnectorError);
    expect(() => src.buildPart("flow.in", missing, undefined)).toThrow(`'${missing}'`);
    expect(() => src.buildPart("flow.in", missing, undefined)).toThrow(/no such file/);
  });

  it("fails clearly on a directory and on a resume offset past the end", async () => {
    const dir = tempDir();
    expect(() => new FileSource(dir).buildPart("flow.in", dir, undefined)).toThrow(/is a directory/);
    const file = writeFile("abc\n");
    expect(() => new FileSource(file).buildPart("flow.in", file, 99)).toThrow(ConnectorError);
    expect(() => new FileSource(file).buildPart("flow.in", file, 99)).toThrow(/has only 4 bytes/);
  });

  it("rejects a bad batchSize with a BuildError", () => {
    expect(() => new FileSource("x", { batchSize: 0 })).toThrow(BuildError);
    expect(() => new FileSource("x", { batchSize: 1.5 })).toThrow(/batchSize/);
  });
});

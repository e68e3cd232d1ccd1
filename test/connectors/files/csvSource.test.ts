import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { CSVSource } from "../../../src/connectors/files/index.js";
import { BuildError, ConnectorError } from "../../../src/errors.js";
import { buildOnly, drain, drainBatches, take, tempDir } from "./helpers.js";

function writeCsv(content: string): string {
  const file = path.join(tempDir(), "in.csv");
  fs.writeFileSync(file, content);
  return file;
}

describe("CSVSource", () => {
  it("emits rows as objects keyed by the header, synchronously", async () => {
    const file = writeCsv("name,age\nann,31\nbob,42\n");
    const part = await buildOnly(new CSVSource(file));
    const batch = part.nextBatch();
    expect(batch).toEqual([
      { name: "ann", age: "31" },
      { name: "bob", age: "42" },
    ]);
    expect(part.nextBatch()).toBeNull();
    expect(part.snapshot()).toBe(fs.statSync(file).size);
  });

  it("reads quoted fields holding delimiters, newlines and quotes", async () => {
    const file = writeCsv('id,text\n1,"a, b"\n2,"line1\nline2"\n3,"say ""hi"""\n4,plain');
    expect(await drain(await buildOnly(new CSVSource(file)))).toEqual([
      { id: "1", text: "a, b" },
      { id: "2", text: "line1\nline2" },
      { id: "3", text: 'say "hi"' },
      { id: "4", text: "plain" },
    ]);
  });

  it("reads CRLF files, keeping CRLF inside quoted fields", async () => {
    const file = writeCsv('a,b\r\n1,"x\r\ny"\r\n2,z\r\n');
    const src = new CSVSource(file, { batchSize: 1 });
    const first = await buildOnly(src);
    expect(await take(first, 1)).toEqual([{ a: "1", b: "x\r\ny" }]);
    expect(first.snapshot()).toBe(Buffer.byteLength('a,b\r\n1,"x\r\ny"\r\n'));
    expect(await drain(await buildOnly(src, first.snapshot()))).toEqual([{ a: "2", b: "z" }]);
  });

  it("resumes mid-file from a snapshot, re-reading the header", async () => {
    const rows = Array.from({ length: 20 }, (_, i) => ({ k: `k${i}`, v: i % 3 === 0 ? `multi\nline ${i}` : `v,${i}` }));
    const content = "k,v\n" + rows.map((r) => `${r.k},"${r.v}"`).join("\n") + "\n";
    const src = new CSVSource(writeCsv(content), { batchSize: 3 });
    const first = await buildOnly(src);
    const head = await take(first, 2);
    const state = first.snapshot();
    await first.nextBatch(); // read past the snapshot: replayed after resume
    const second = await buildOnly(src, state);
    expect([...head, ...(await drain(second))]).toEqual(rows);
  });

  it("respects batchSize and reads records spanning 64 KiB chunks", async () => {
    const rows = Array.from({ length: 4000 }, (_, i) => ({ n: String(i), s: `"q${i}", ${"é".repeat(i % 60)}\n.` }));
    const content = "n,s\n" + rows.map((r) => `${r.n},"${r.s.replaceAll('"', '""')}"`).join("\n") + "\n";
    expect(Buffer.byteLength(content)).toBeGreaterThan(3 * 64 * 1024);
    const part = await buildOnly(new CSVSource(writeCsv(content), { batchSize: 500 }));
    const batches = await drainBatches(part);
    expect(Math.max(...batches.map((b) => b.length))).toBe(500);
    expect(batches.flat()).toEqual(rows);
  });

  it("skips empty lines and strips a UTF-8 byte order mark", async () => {
    const file = writeCsv("\uFEFFa,b\n\n1,2\n\n3,4\n\n");
    expect(await drain(await buildOnly(new CSVSource(file)))).toEqual([
      { a: "1", b: "2" },
      { a: "3", b: "4" },
    ]);
  });

  it("passes delimiter, quote and trim to the parser", async () => {
    const tsv = writeCsv("a\tb\n x \t'y\tz'\n");
    expect(await drain(await buildOnly(new CSVSource(tsv, { delimiter: "\t", quote: "'", trim: true })))).toEqual([
      { a: "x", b: "y\tz" },
    ]);
    const unquoted = writeCsv('a;b\n"x";y\n');
    expect(await drain(await buildOnly(new CSVSource(unquoted, { delimiter: ";", quote: null })))).toEqual([
      { a: '"x"', b: "y" },
    ]);
  });

  it("continues after the file grows, including from an empty file", async () => {
    const file = writeCsv("");
    const src = new CSVSource(file);
    const first = await buildOnly(src);
    expect(await drain(first)).toEqual([]);
    fs.appendFileSync(file, "a,b\n1,2\n");
    const second = await buildOnly(src, first.snapshot());
    expect(await drain(second)).toEqual([{ a: "1", b: "2" }]);
    fs.appendFileSync(file, "3,4\n");
    const third = await buildOnly(src, second.snapshot());
    expect(await drain(third)).toEqual([{ a: "3", b: "4" }]);
  });

  it("rejects a row with the wrong field count unless relaxColumnCount", async () => {
    const file = writeCsv("a,b,c\n1,2,3\n4,5\n6,7,8,9\n");
    const strict = await buildOnly(new CSVSource(file));
    await expect(drain(strict)).rejects.toThrow(ConnectorError);
    await expect(drain(await buildOnly(new CSVSource(file)))).rejects.toThrow(/has 2 fields; the header has 3/);
    expect(await drain(await buildOnly(new CSVSource(file, { relaxColumnCount: true })))).toEqual([
      { a: "1", b: "2", c: "3" },
      { a: "4", b: "5" },
      { a: "6", b: "7", c: "8" },
    ]);
  });

  it("reports a parse error with the path", async () => {
    const file = writeCsv('a,b\n1,"open\n');
    const part = await buildOnly(new CSVSource(file));
    expect(() => part.nextBatch()).toThrow(ConnectorError);
    const again = await buildOnly(new CSVSource(file));
    expect(() => again.nextBatch()).toThrow(new RegExp(`cannot parse '${file}'.*Quote Not Closed`));
  });

  it("fails with a ConnectorError naming a missing file", () => {
    const missing = path.join(tempDir(), "absent.csv");
    const src = new CSVSource(missing);
    expect(() => src.buildPart("flow.in", missing, undefined)).toThrow(ConnectorError);
    expect(() => src.buildPart("flow.in", missing, undefined)).toThrow(`'${missing}'`);
  });

  it("rejects invalid options with a BuildError", () => {
    expect(() => new CSVSource("x.csv", { delimiter: "" })).toThrow(BuildError);
    expect(() => new CSVSource("x.csv", { batchSize: -1 })).toThrow(/batchSize/);
  });
});

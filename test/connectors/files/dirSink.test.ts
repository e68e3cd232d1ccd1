import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { DirSink } from "../../../src/connectors/files/index.js";
import { BuildError } from "../../../src/errors.js";
import { stableHash } from "../../../src/internal/hash.js";
import { tempDir } from "./helpers.js";

/** The partition the executor picks for `key`. */
function routedPart(sink: DirSink, key: string): string {
  const sorted = [...sink.listParts()].sort();
  return sorted[sink.partFn(key) % sorted.length];
}

describe("DirSink", () => {
  it("lists the file names in file order", () => {
    expect(new DirSink("out", 3).listParts()).toEqual(["part_0", "part_1", "part_2"]);
    const named = new DirSink("out", 2, { fileNamer: (i, n) => `f${i}of${n}.txt` });
    expect(named.listParts()).toEqual(["f0of2.txt", "f1of2.txt"]);
  });

  it("routes each key to fileNamer(assignFile(key)) even when names sort differently", () => {
    const sink = new DirSink("out", 12); // part_10 and part_11 sort before part_2
    for (let k = 0; k < 200; k++) {
      const key = `key-${k}`;
      expect(routedPart(sink, key)).toBe(`part_${stableHash(key) % 12}`);
    }
    const custom = new DirSink("out", 11, { assignFile: (key) => Number(key) });
    for (let i = 0; i < 11; i++) expect(routedPart(custom, String(i))).toBe(`part_${i}`);
  });

  it("rejects an assignFile result out of range", () => {
    const sink = new DirSink("out", 2, { assignFile: () => 2 });
    expect(() => sink.partFn("k")).toThrow(RangeError);
    expect(() => sink.partFn("k")).toThrow(/got 2 for key 'k'/);
  });

  it("writes each partition to its own file, creating the directory", async () => {
    const dir = path.join(tempDir(), "nested", "out");
    const sink = new DirSink(dir, 2);
    const p0 = await sink.buildPart("flow.out", "part_0", undefined);
    const p1 = await sink.buildPart("flow.out", "part_1", undefined);
    await p0.writeBatch(["a", "b"]);
    await p1.writeBatch(["c"]);
    await p0.close?.();
    await p1.close?.();
    expect(fs.readFileSync(path.join(dir, "part_0"), "utf8")).toBe("a\nb\n");
    expect(fs.readFileSync(path.join(dir, "part_1"), "utf8")).toBe("c\n");
  });

  it("on resume truncates each file to its snapshot then appends", async () => {
    const dir = tempDir();
    const sink = new DirSink(dir, 2, { end: ";" });
    const first = await sink.buildPart("flow.out", "part_1", undefined);
    await first.writeBatch(["x", "y"]);
    const state = first.snapshot();
    await first.writeBatch(["replayed"]);
    const second = await sink.buildPart("flow.out", "part_1", state);
    await second.writeBatch(["z"]);
    await second.close?.();
    expect(fs.readFileSync(path.join(dir, "part_1"), "utf8")).toBe("x;y;z;");
  });

  it("rejects a bad fileCount or fileNamer with a BuildError", () => {
    expect(() => new DirSink("out", 0)).toThrow(BuildError);
    expect(() => new DirSink("out", 2.5)).toThrow(/fileCount/);
    expect(() => new DirSink("out", 3, { fileNamer: (i) => `p${i % 2}` })).toThrow(BuildError);
    expect(() => new DirSink("out", 3, { fileNamer: (i) => `p${i % 2}` })).toThrow(/distinct/);
  });
});

import { execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { FileSink } from "../../../src/connectors/files/index.js";
import { ConnectorError } from "../../../src/errors.js";
import { Dataflow, RecoveryConfig, initDbDir } from "../../../src/index.js";
import { runMain, TestingSource, type TestingSourceMarker } from "../../../src/testing/index.js";
import { tempDir } from "./helpers.js";

/** A flow writing `items` as lines to `sink`. */
function linesTo(sink: FileSink, items: (string | TestingSourceMarker)[]): Dataflow {
  const flow = new Dataflow("lines");
  flow.input("in", new TestingSource(items)).keyOn("k", () => "all").output("out", sink);
  return flow;
}

describe("FileSink", () => {
  it("has one partition named by the path as given", () => {
    expect(new FileSink("out/x.txt").listParts()).toEqual(["out/x.txt"]);
  });

  it("creates the file and writes each value followed by a newline", async () => {
    const file = path.join(tempDir(), "out.txt");
    const part = await new FileSink(file).buildPart("flow.out", file, undefined);
    await part.writeBatch(["a", "", "été"]);
    await part.writeBatch([]);
    await part.writeBatch(["b"]);
    expect(part.snapshot()).toBe(Buffer.byteLength("a\n\nété\nb\n"));
    await part.close?.();
    expect(fs.readFileSync(file, "utf8")).toBe("a\n\nété\nb\n");
  });

  it("uses the end option and truncates an existing file without resume state", async () => {
    const file = path.join(tempDir(), "out.csv");
    fs.writeFileSync(file, "old content that must go\n");
    const part = await new FileSink(file, { end: "\r\n" }).buildPart("flow.out", file, undefined);
    await part.writeBatch(["x", "y"]);
    await part.close?.();
    expect(fs.readFileSync(file, "utf8")).toBe("x\r\ny\r\n");
  });

  it("on resume truncates to the snapshot then appends (exactly once)", async () => {
    const file = path.join(tempDir(), "out.txt");
    const sink = new FileSink(file);
    const first = await sink.buildPart("flow.out", file, undefined);
    await first.writeBatch(["1", "2"]);
    const state = first.snapshot();
    await first.writeBatch(["3-lost", "4-lost"]); // written after the snapshot, then a crash
    expect(fs.readFileSync(file, "utf8")).toBe("1\n2\n3-lost\n4-lost\n");
    const second = await sink.buildPart("flow.out", file, state);
    expect(fs.readFileSync(file, "utf8")).toBe("1\n2\n");
    await second.writeBatch(["3", "4"]);
    expect(second.snapshot()).toBe(8);
    await second.close?.();
    expect(fs.readFileSync(file, "utf8")).toBe("1\n2\n3\n4\n");
  });

  it("throws a TypeError naming the path and the type for a non-string value", async () => {
    const file = path.join(tempDir(), "out.txt");
    const part = await new FileSink(file).buildPart("flow.out", file, undefined);
    const write = () => part.writeBatch(["ok", 42 as unknown as string]);
    expect(write).toThrow(TypeError);
    expect(write).toThrow(`FileSink for '${file}' can only write strings; got number`);
    expect(fs.readFileSync(file, "utf8")).toBe(""); // nothing of the bad batch written
  });

  it("fails with a ConnectorError naming the path when it cannot be opened", () => {
    const file = path.join(tempDir(), "no-such-dir", "out.txt");
    const sink = new FileSink(file);
    expect(() => sink.buildPart("flow.out", file, undefined)).toThrow(ConnectorError);
    expect(() => sink.buildPart("flow.out", file, undefined)).toThrow(`'${file}'`);
  });

  it("refuses to resume past the end of a file that shrank", () => {
    const file = path.join(tempDir(), "out.txt");
    fs.writeFileSync(file, "ab\n");
    expect(() => new FileSink(file).buildPart("flow.out", file, 10)).toThrow(/has only 3 bytes/);
    expect(fs.readFileSync(file, "utf8")).toBe("ab\n");
  });

  it("writes to /dev/null, a character device it cannot truncate or sync, also when resuming", async () => {
    await runMain(linesTo(new FileSink("/dev/null"), ["a", "b"]));
    const dir = tempDir();
    initDbDir(dir, 1);
    const recovery = new RecoveryConfig(dir);
    // The first run commits an offset of 4 bytes; the second resumes the device at it.
    await runMain(linesTo(new FileSink("/dev/null"), ["a", "b", TestingSource.EOF(), "c"]), { recovery, epochInterval: 0 });
    await runMain(linesTo(new FileSink("/dev/null"), ["a", "b", TestingSource.EOF(), "c"]), { recovery, epochInterval: 0 });
    const part = new FileSink("/dev/null").buildPart("flow.out", "/dev/null", 4);
    await part.writeBatch(["d"]);
    expect(part.snapshot()).toBe(6);
    await part.close?.();
  });

  it("streams into a FIFO, opened once a reader is there", async () => {
    const fifo = path.join(tempDir(), "out.fifo");
    execFileSync("mkfifo", [fifo]);
    // The reader: another process, as a FIFO's reader usually is.
    const reader = spawn("cat", [fifo], { stdio: ["ignore", "pipe", "inherit"] });
    let text = "";
    reader.stdout.setEncoding("utf8").on("data", (c: string) => (text += c));
    const exited = new Promise<number | null>((resolve, reject) => reader.on("error", reject).on("close", resolve));
    await runMain(linesTo(new FileSink(fifo), ["x", "y", "z"]), { epochInterval: 0 });
    expect(await exited).toBe(0);
    expect(text).toBe("x\ny\nz\n");
    expect(fs.statSync(fifo).isFIFO()).toBe(true);
  });
});

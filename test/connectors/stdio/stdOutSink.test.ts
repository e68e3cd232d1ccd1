import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { StdOutSink } from "../../../src/connectors/stdio/index.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const entry = pathToFileURL(path.join(root, "src/connectors/stdio/index.js")).href;
const dirs: string[] = [];

afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** Run `body` in a child `node --import tsx` with `StdOutSink` imported; its stdout and stderr. */
function runChild(body: string): { stdout: string; stderr: string; status: number | null } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sluice-stdio-"));
  dirs.push(dir);
  const script = path.join(dir, "main.mts"); // .mts: ESM outside the package
  fs.writeFileSync(script, `import { StdOutSink } from ${JSON.stringify(entry)};\n${body}\n`);
  const res = spawnSync(process.execPath, ["--import", "tsx", script], { cwd: root, encoding: "utf8", maxBuffer: 64 << 20 });
  return { stdout: res.stdout, stderr: res.stderr, status: res.status };
}

describe("StdOutSink", () => {
  it("prints strings as they are and other items with util.inspect, one per line", () => {
    const { stdout, stderr, status } = runChild(`
      const part = await new StdOutSink().build("flow.out", 0, 1);
      await part.writeBatch(["hello", 42, { a: [1, 2] }, "two\\nlines", null, ""]);
      await part.writeBatch([]);
      await part.writeBatch(["bye"]);
      await part.close?.();
    `);
    expect(stderr).toBe("");
    expect(status).toBe(0);
    expect(stdout).toBe("hello\n42\n{ a: [ 1, 2 ] }\ntwo\nlines\nnull\n\nbye\n");
  });

  it("waits for 'drain' when stdout.write reports a full buffer", () => {
    // Whether a real pipe write returns false depends on the pipe's blocking
    // mode, so the child makes stdout report a full buffer on every write.
    const { stdout, stderr, status } = runChild(`
      const realWrite = process.stdout.write.bind(process.stdout);
      const log: string[] = [];
      process.stdout.write = ((chunk: string) => {
        realWrite(chunk);
        log.push("write");
        setTimeout(() => { log.push("drain"); process.stdout.emit("drain"); }, 20);
        return false;
      }) as typeof process.stdout.write;
      const part = await new StdOutSink().build("flow.out", 0, 1);
      const pending = part.writeBatch(["a", "b"]);
      log.push(pending instanceof Promise ? "promise" : "no promise");
      await pending;
      log.push("resolved");
      await part.writeBatch(["c"]);
      process.stderr.write(log.join(",") + " drainListeners=" + process.stdout.listenerCount("drain"));
    `);
    expect(status).toBe(0);
    expect(stderr).toBe("write,promise,drain,resolved,write,drain drainListeners=0");
    expect(stdout).toBe("a\nb\nc\n");
  });

  it("writes a large batch completely", () => {
    const { stdout, status } = runChild(`
      const part = await new StdOutSink().build("flow.out", 0, 1);
      await part.writeBatch(["first"]);
      await part.writeBatch(Array.from({ length: 50000 }, (_, i) => "line-" + i));
      await part.writeBatch(["after"]);
    `);
    expect(status).toBe(0);
    const lines = stdout.split("\n");
    expect(lines.length).toBe(50003); // "first", 50000 lines, "after", then "" after the last newline
    expect(lines[50000]).toBe("line-49999");
    expect(lines[50001]).toBe("after");
  });

  it("fails the write with a ConnectorError saying stdout is closed once its reader exits (EPIPE), instead of crashing", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sluice-stdio-"));
    dirs.push(dir);
    const script = path.join(dir, "main.mts");
    fs.writeFileSync(
      script,
      `import { StdOutSink } from ${JSON.stringify(entry)};
      const part = await new StdOutSink().build("flow.out", 0, 1);
      try {
        for (let i = 0; ; i++) {
          await part.writeBatch(["line " + i]);
          await new Promise((resolve) => setImmediate(resolve));
        }
      } catch (err) {
        process.stderr.write(err.name + ": " + err.message + "; cause: " + err.cause?.code);
        part.abort?.(err);
        process.stderr.write("; error listeners left: " + process.stdout.listenerCount("error"));
      }
      `,
    );
    // A real pipe into head, which exits after two lines.
    const child = spawn(process.execPath, ["--import", "tsx", script], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    const head = spawn("head", ["-n", "2"], { stdio: [child.stdout!, "pipe", "inherit"] });
    child.stdout!.destroy(); // only head reads the pipe
    let stderr = "";
    let printed = "";
    child.stderr!.setEncoding("utf8").on("data", (c: string) => (stderr += c));
    head.stdout!.setEncoding("utf8").on("data", (c: string) => (printed += c));
    const status = await new Promise<number | null>((resolve, reject) => child.on("error", reject).on("close", resolve));
    expect(printed).toBe("line 0\nline 1\n");
    expect(stderr).toBe(
      "ConnectorError: cannot print: standard output is closed (EPIPE): what read it went away, like `head` after its lines; " +
        "cause: EPIPE; error listeners left: 0",
    );
    expect(status).toBe(0);
  });

  it("is a dynamic sink building one partition per worker", async () => {
    const part = await new StdOutSink().build("flow.out", 1, 2);
    expect(typeof part.writeBatch).toBe("function");
  });
});

/**
 * The greeter examples of examples/functions, run with `sluice run` the way
 * their header comments say: greeter.ts (embedded functions) and
 * remote-greeter.ts (the same functions on StateFun's Python SDK,
 * examples/functions/python/greeter.py, started on a free port) print the
 * same lines for examples/data/visits.txt.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPythonFunctions, type PythonFunctions } from "../functions/support/pythonFunctions.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const BIN = join(ROOT, "bin", "sluice.js");

/**
 * What both print: a user's greetings in the order of their visits, users
 * in address order (the visits come in one batch), then the reminder of
 * bob, the only user who did not come back within the reminder delay.
 */
const PRINTED = [
  "Hello ann! #1 via greeter.fns/person:ann",
  "Hello again ann, visit 2! #2 via greeter.fns/person:ann",
  "Hello again ann, visit 3! #3 via greeter.fns/person:ann",
  "Hello bob! #1 via greeter.fns/person:bob",
  "Hello cat! #1 via greeter.fns/person:cat",
  "Hello again cat, visit 2! #2 via greeter.fns/person:cat",
  "come back soon, bob",
];

/** `sluice run FILE` to its end, from the repo's root. */
function sluiceRun(file: string, env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, "run", file], { cwd: ROOT, timeout: 30_000, encoding: "utf8", env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === "number" ? error.code : null) : 0, stdout, stderr });
    });
  });
}

describe("examples/functions/greeter.ts", () => {
  it("greets each visit of examples/data/visits.txt and reminds the user who visited once", async () => {
    const { code, stdout, stderr } = await sluiceRun("examples/functions/greeter.ts");
    expect(code, stderr).toBe(0);
    expect(stdout.split("\n")).toEqual([...PRINTED, ""]);
  });
});

describe("examples/functions/remote-greeter.ts", () => {
  let server: PythonFunctions;
  // The first start may install the SDK (test/functions/python/setup.sh).
  beforeAll(async () => {
    server = await startPythonFunctions({}, join(ROOT, "examples", "functions", "python", "greeter.py"));
  }, 300_000);
  afterAll(() => server?.stop());

  it("prints the same lines, with the functions served by python/greeter.py on StateFun's Python SDK", async () => {
    const { code, stdout, stderr } = await sluiceRun("examples/functions/remote-greeter.ts", { GREETER_URL: server.url });
    expect(code, `${stderr}\npython/greeter.py:\n${server.stderr()}`).toBe(0);
    expect(stdout.split("\n")).toEqual([...PRINTED, ""]);
  });
});

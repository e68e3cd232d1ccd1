/**
 * The `sluice` CLI, run for real: `node bin/sluice.js ...` on the built
 * package (`test/globalSetup.ts` builds `dist/` first).
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, open, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCli, parseFlowTarget } from "../../src/run/internal/cliArgs.js";
import { esmFormatFor } from "../../src/run/internal/tsEsmHooks.js";
import { BIN, cleanEnv, ROOT, sluice, start, type Result } from "../support/cli.js";
import { parseXml } from "../support/xml.js";

const DIST = join(ROOT, "dist");
const FLOWS = "test/run/fixtures/flows.ts";

interface PipedResult extends Result {
  /** What `head` printed. */
  head: string;
  /** Milliseconds from `head` exiting to `sluice` exiting. */
  stopMs: number;
}

/**
 * Run `sluice args` with its stdout piped into `head -n <lines>`, as a shell
 * pipeline does: when `head` has printed its lines and exits, the pipe has
 * no reader left, and sluice's next write to it fails with EPIPE.
 */
function pipedIntoHead(args: string[], lines: number): Promise<PipedResult> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: cleanEnv(), stdio: ["ignore", "pipe", "pipe"] });
  const head = spawn("head", ["-n", String(lines)], { stdio: [child.stdout!, "pipe", "inherit"] });
  // Head has its own copy of the pipe's read end now; close ours, or the pipe would keep a reader.
  child.stdout!.destroy();
  let stderr = "";
  let headOut = "";
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  head.stdout!.setEncoding("utf8").on("data", (chunk: string) => (headOut += chunk));
  const headExited = new Promise<number>((resolve, reject) => head.on("error", reject).on("exit", () => resolve(Date.now())));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve, reject) => {
    child.on("error", reject).on("close", (code, signal) => resolve({ code, signal, at: Date.now() }));
  });
  return Promise.all([headExited, exited]).then(([headAt, { code, signal, at }]) => ({
    code,
    signal,
    stdout: "",
    stderr,
    head: headOut,
    stopMs: at - headAt,
  }));
}

/** Run a flow module on its own: `node --import tsx <file>`. */
function runDirectly(file: string): Promise<Result> {
  return new Promise<Result>((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", file], { cwd: ROOT, env: cleanEnv() });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

describe("sluice CLI", () => {
  let tmp: string;

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), "sluice-cli-"));
  });

  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  describe.concurrent("help and version", () => {
    it("prints usage for --help and exits 0", async () => {
      const r = await sluice(["--help"]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("Usage: sluice <command> [options]");
      expect(r.stdout).toContain("run <file>[:export]");
      expect(r.stdout).toContain("visualize <file>[:export]");
      expect(r.stdout).toContain("recovery init <dir> <n>");
      expect(r.stdout).toContain("recovery inspect <dir> [<file>[:export]]");
    });

    it("lists the exit codes the tests below assert, in --help and run --help", async () => {
      for (const args of [["--help"], ["run", "--help"]]) {
        const r = await sluice(args);
        expect(r.stdout).toContain(
          "  1        the flow failed, or its file threw or did not compile while loading,\n           or a recovery directory cannot be used",
        );
        expect(r.stdout).toContain("  2        bad command line or flow target (no such file or export, not a flow)\n");
        expect(r.stdout).toContain("  130/143  stopped by SIGINT/SIGTERM\n");
        expect(r.stdout).toMatch(/ {2}141 {6}stdout was closed by its reader/);
      }
    });

    it("names every command, recovery included, when none is given", async () => {
      const r = await sluice([]);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe("sluice: missing command: expected 'run', 'visualize' or 'recovery'\nRun 'sluice --help' for usage.\n");
      const unknown = await sluice(["recover"]);
      expect(unknown.stderr).toContain("unknown command 'recover': expected 'run', 'visualize' or 'recovery'");
    });

    it("prints the options of run for run --help", async () => {
      const r = await sluice(["run", "--help"]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("Usage: sluice run <file>[:export] [options]");
      expect(r.stdout).toContain("-s, --snapshot-interval SECONDS");
      expect(r.stdout).toContain("SLUICE_SNAPSHOT_INTERVAL");
    });

    it("prints the options of visualize for visualize -h", async () => {
      const r = await sluice(["visualize", "-h"]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("-o, --output FORMAT");
      for (const format of ["mermaid", "json", "dot", "svg", "html"]) expect(r.stdout).toMatch(new RegExp(`^ +${format} +\\S`, "m"));
    });

    it("prints both recovery subcommands, and the JSON shape of inspect, for recovery --help", async () => {
      const r = await sluice(["recovery", "--help"]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("Usage: sluice recovery init <dir> <partitions>\n       sluice recovery inspect <dir> [<file>[:export]] [--json]\n");
      expect(r.stdout).toContain("steps: [{ stepId, keys, bytes, snapshots, snapshotBytes }]");
    });

    it("prints the package version for --version", async () => {
      const pkg = JSON.parse(await readFile(join(ROOT, "package.json"), "utf8")) as { version: string };
      const r = await sluice(["--version"]);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(`${pkg.version}\n`);
    });
  });

  describe.concurrent("run", () => {
    it("runs the `flow` export of a .ts file and exits 0 by itself", async () => {
      const r = await sluice(["run", FLOWS]);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      expect(r.stdout).toBe("hello: 1\nhello: 2\nhello: 3\n");
    });

    it("runs a function export named with file:export", async () => {
      const r = await sluice(["run", `${FLOWS}:makeFlow`]);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe("made: 10\nmade: 20\n");
    });

    it("runs an async function export", async () => {
      const r = await sluice(["run", `${FLOWS}:makeFlowAsync`]);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe("async: 7\n");
    });

    it("closes an epoch per batch with -s 0", async () => {
      const r = await sluice(["run", `${FLOWS}:epochs`, "-s", "0"]);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe("a@1\na\nb@2\nb\nc@3\nc\n");
    });

    it("keeps one epoch with the default 10 s interval", async () => {
      const r = await sluice(["run", `${FLOWS}:epochs`]);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe("a@1\na\nb@1\nb\nc@1\nc\n");
    });

    it("takes the interval from SLUICE_SNAPSHOT_INTERVAL, and -s over it", async () => {
      const fromEnv = await sluice(["run", `${FLOWS}:epochs`], { env: { SLUICE_SNAPSHOT_INTERVAL: "0" } });
      expect(fromEnv.stdout).toBe("a@1\na\nb@2\nb\nc@3\nc\n");
      const flagWins = await sluice(["run", `${FLOWS}:epochs`, "--snapshot-interval=2.5"], {
        env: { SLUICE_SNAPSHOT_INTERVAL: "0" },
      });
      expect(flagWins.stdout).toBe("a@1\na\nb@1\nb\nc@1\nc\n");
    });

    it("runs a .ts flow outside any package: top-level await and .ts imports work", async () => {
      const dir = join(tmp, "typeless");
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, "items.ts"), "export const items: number[] = await Promise.resolve([1, 2]);\n");
      await writeFile(
        join(dir, "flow.ts"),
        [
          `import { Dataflow, DynamicSink, StatelessSinkPartition } from ${JSON.stringify(join(DIST, "index.js"))};`,
          `import { TestingSource } from ${JSON.stringify(join(DIST, "testing", "index.js"))};`,
          `import { items } from "./items.js";`,
          `class ConsolePartition extends StatelessSinkPartition<string> {`,
          `  writeBatch(xs: string[]): void { for (const x of xs) console.log(x); }`,
          `}`,
          `class ConsoleSink extends DynamicSink<string> {`,
          `  build(): ConsolePartition { return new ConsolePartition(); }`,
          `}`,
          `const prefix: string = await Promise.resolve("tla");`,
          `export const flow = new Dataflow("tmp");`,
          `flow.input("in", new TestingSource(items))`,
          `  .map("fmt", (x: number) => \`\${prefix} \${x}\`)`,
          `  .output("out", new ConsoleSink());`,
          "",
        ].join("\n"),
      );
      const r = await sluice(["run", "flow.ts"], { cwd: dir });
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      expect(r.stdout).toBe("tla 1\ntla 2\n");
    });

    it("runs a .js flow", async () => {
      const dir = join(tmp, "js");
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, "package.json"), '{ "type": "module" }\n');
      await writeFile(
        join(dir, "flow.js"),
        [
          `import { Dataflow } from ${JSON.stringify(join(DIST, "index.js"))};`,
          `import { TestingSource } from ${JSON.stringify(join(DIST, "testing", "index.js"))};`,
          `export default () => {`,
          `  const flow = new Dataflow("js");`,
          `  flow.input("in", new TestingSource(["x"])).output("out", { build: () => ({ writeBatch: (xs) => process.stdout.write(xs.join("\\n") + "\\n") }) });`,
          `  return flow;`,
          `};`,
          "",
        ].join("\n"),
      );
      const r = await sluice(["run", join(dir, "flow.js:default")]);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe("x\n");
    });
  });

  describe.concurrent("errors", () => {
    it("reports a missing flow file with exit code 2", async () => {
      const r = await sluice(["run", "missing.ts"]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("no such flow file: missing.ts");
      expect(r.stdout).toBe("");
    });

    it("names a missing export and lists the module's exports", async () => {
      const r = await sluice(["run", `${FLOWS}:nope`]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`flow file ${FLOWS} has no export 'nope'`);
      expect(r.stderr).toContain("its exports are: branchy, epochs, failing, flow, joined, makeFlow");
    });

    it("says what an export that is not a flow is", async () => {
      const r = await sluice(["run", `${FLOWS}:notAFlow`]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`export 'notAFlow' of ${FLOWS} is not a Dataflow or a function returning one; got number`);
    });

    it("says what a function export returned when it is not a flow", async () => {
      const r = await sluice(["run", `${FLOWS}:returnsNothing`]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`export 'returnsNothing' of ${FLOWS} is a function that returned undefined, not a Dataflow`);
    });

    it("reports a throwing function export with its stack and exit code 1", async () => {
      const r = await sluice(["run", `${FLOWS}:throwsOnCall`]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`error calling export 'throwsOnCall' of ${FLOWS}`);
      expect(r.stderr).toContain("Error: cannot build this flow");
      expect(r.stderr).toContain("flows.ts:");
    });

    it("reports a flow file that does not compile with exit code 1, as a failure of the flow's code", async () => {
      const dir = join(tmp, "syntax");
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, "flow.ts"), "export const flow = ;\n");
      const r = await sluice(["run", "flow.ts"], { cwd: dir });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("sluice run: error loading flow file flow.ts");
      expect(r.stderr).toContain('Unexpected ";"');
    });

    it("rejects a flow file that is not a module with exit code 2, as a wrong target", async () => {
      const dir = join(tmp, "notModule");
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, "flow.txt"), "hello\n");
      const r = await sluice(["run", "flow.txt"], { cwd: dir });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("flow file flow.txt is not a JavaScript or TypeScript module: expected one of .js .mjs .cjs .ts");
      expect(r.stderr).toContain("; got .txt");
      expect(r.stderr).not.toContain("    at ");
    });

    it("reports a module that throws while loading with exit code 1", async () => {
      const r = await sluice(["run", "test/run/fixtures/throwsOnImport.ts"]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("error loading flow file test/run/fixtures/throwsOnImport.ts");
      expect(r.stderr).toContain("Error: this module cannot load");
    });

    it("prints a StepError's message and exits 1", async () => {
      const r = await sluice(["run", `${FLOWS}:failing`, "-s", "0"]);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe("ok 1\n");
      expect(r.stderr).toContain("StepError: error calling `mapper` in step 'failing.boom': RangeError: two is too many");
      expect(r.stderr).not.toContain("    at ");
    });

    it("adds the cause's stack when SLUICE_DEBUG is set", async () => {
      const r = await sluice(["run", `${FLOWS}:failing`], { env: { SLUICE_DEBUG: "1" } });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("error calling `mapper` in step 'failing.boom'");
      expect(r.stderr).toContain("Caused by: RangeError: two is too many");
      expect(r.stderr).toMatch(/at .*flows\.ts:\d+/);
    });

    it("rejects an unknown command with exit code 2", async () => {
      const r = await sluice(["frobnicate"]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("unknown command 'frobnicate'");
      expect(r.stderr).toContain("sluice --help");
    });

    it("rejects options that do not exist", async () => {
      for (const option of ["-x", "--frobnicate"]) {
        const r = await sluice(["run", FLOWS, option, "2"]);
        expect(r.code).toBe(2);
        expect(r.stderr).toContain(`sluice run: unknown option '${option}'`);
        expect(r.stdout).toBe("");
      }
    });

    it("rejects a bad snapshot interval", async () => {
      const bad = await sluice(["run", FLOWS, "-s", "soon"]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain("option '-s, --snapshot-interval' must be a number of seconds >= 0; got 'soon'");
      const negative = await sluice(["run", FLOWS, "--snapshot-interval=-1"]);
      expect(negative.code).toBe(2);
      const env = await sluice(["run", FLOWS], { env: { SLUICE_SNAPSHOT_INTERVAL: "x" } });
      expect(env.code).toBe(2);
      expect(env.stderr).toContain("SLUICE_SNAPSHOT_INTERVAL must be a number of seconds >= 0; got 'x'");
    });

    it("asks for the flow file", async () => {
      const r = await sluice(["run"]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("missing flow file: sluice run <file>[:export]");
    });
  });

  describe.concurrent("signals", () => {
    it("stops a never-ending run cleanly on SIGINT and exits 130", async () => {
      const run = start(["run", "test/run/fixtures/forever.ts"]);
      await run.printed("tick 2\n");
      const sent = Date.now();
      run.child.kill("SIGINT");
      const r = await run.done;
      expect(Date.now() - sent).toBeLessThan(2_000);
      expect(r.code).toBe(130);
      expect(r.stderr).toContain("SIGINT received, stopping the run");
      expect(r.stdout).toMatch(/^(tick \d+\n)+$/);
    });

    it("stops every worker of a -w 2 run on SIGINT and exits 130", async () => {
      const run = start(["run", "test/run/fixtures/forever.ts", "-w", "2"]);
      await run.printed("tick 2\n");
      const sent = Date.now();
      run.child.kill("SIGINT");
      const r = await run.done;
      expect(Date.now() - sent).toBeLessThan(3_000);
      expect(r.code).toBe(130);
      expect(r.stderr).toContain("SIGINT received, stopping the run");
    });

    it("runs a flow on several workers with -w and SLUICE_WORKERS", async () => {
      const r = await sluice(["run", `${FLOWS}:sums`, "-w", "2"]);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      expect(r.stdout.split("\n").filter(Boolean).sort()).toEqual(["a=1", "b=2"]);
      const env = await sluice(["run", `${FLOWS}:sums`], { env: { SLUICE_WORKERS: "3" } });
      expect(env.code).toBe(0);
      const bad = await sluice(["run", FLOWS, "-w", "0"]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain("option '-w, --workers' must be a positive integer; got '0'");
    });

    it("lets a module run itself with cliMain, and run it once with sluice run", async () => {
      const direct = await runDirectly("test/run/fixtures/selfRun.ts");
      expect(direct.stderr).toBe("");
      expect(direct.stdout.split("\n").filter(Boolean).sort()).toEqual(["a=1", "a=4", "b=2"]);
      const viaCli = await sluice(["run", "test/run/fixtures/selfRun.ts", "-w", "2"]);
      expect(viaCli.code).toBe(0);
      expect(viaCli.stdout.split("\n").filter(Boolean).sort()).toEqual(["a=1", "a=4", "b=2"]);
    });

    it("stops quietly with exit code 141 when stdout is piped into head and head exits (-w 1)", async () => {
      // The flow prints a tick every 20 ms forever: only the closed pipe ends the run.
      const r = await pipedIntoHead(["run", "test/run/fixtures/forever.ts", "-w", "1"], 3);
      expect(r.head).toBe("tick 0\ntick 1\ntick 2\n");
      expect(r.stderr).toBe(""); // no stack, no "EPIPE", no StepError
      expect(r.code).toBe(141);
      expect(r.signal).toBe(null);
      expect(r.stopMs).toBeLessThan(2_000);
    });

    it("stops every worker quietly with exit code 141 when stdout is piped into head and head exits (-w 2)", async () => {
      const r = await pipedIntoHead(["run", "test/run/fixtures/forever.ts", "-w", "2"], 3);
      expect(r.head).toMatch(/^(tick \d+\n){3}$/);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(141);
      expect(r.stopMs).toBeLessThan(3_000);
    });

    it("stops quietly on a closed stdout also when the flow's own sink writes to process.stdout", async () => {
      const r = await pipedIntoHead(["run", "test/run/fixtures/forever.ts:raw"], 2);
      expect(r.head).toBe("tick 0\ntick 1\n");
      expect(r.stderr).toBe("");
      expect(r.code).toBe(141);
      expect(r.stopMs).toBeLessThan(2_000);
    });

    it("reports a stdout that fails otherwise (a full disk: /dev/full) in words, and exits 1", async () => {
      for (const workers of ["1", "2"]) {
        const full = await open("/dev/full", "w");
        try {
          const child = spawn(process.execPath, [BIN, "run", "test/run/fixtures/forever.ts", "-w", workers], {
            cwd: ROOT,
            env: cleanEnv(),
            stdio: ["ignore", full.fd, "pipe"],
          });
          let stderr = "";
          child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
          const code = await new Promise<number | null>((resolve, reject) => child.on("error", reject).on("close", resolve));
          expect(stderr).toBe("sluice run: cannot write to standard output: disk full (no space left on device); run stopped\n");
          expect(code).toBe(1);
        } finally {
          await full.close();
        }
      }
    });

    it("says that a closed stdout stopped the run with -v", async () => {
      const r = await pipedIntoHead(["run", "test/run/fixtures/forever.ts", "-v"], 1);
      expect(r.code).toBe(141);
      expect(r.stderr).toContain("sluice: standard output was closed (EPIPE), run stopped\n");
      expect(r.stderr).not.toContain("    at ");
    });

    it("runs a module that ends with await runMain(flow) once, with a notice, under sluice run and its workers", async () => {
      const fixture = "test/run/fixtures/runsItself.ts";
      const lines = ["item a", "item b", "item c"];
      const direct = await runDirectly(fixture);
      expect(direct.stderr).toBe("");
      expect(direct.code).toBe(0);
      expect(direct.stdout.split("\n").filter(Boolean)).toEqual(lines);
      const notice = "sluice: skipped runMain(flow 'runs_itself') in a module sluice is loading; sluice run runs the exported flow itself\n";
      for (const workers of ["1", "2"]) {
        const viaCli = await sluice(["run", fixture, "-w", workers]);
        expect(viaCli.code, viaCli.stderr).toBe(0);
        expect(viaCli.stdout.split("\n").filter(Boolean).sort(), `-w ${workers}`).toEqual(lines);
        // Once: the workers, which import the module again, say nothing.
        expect(viaCli.stderr, `-w ${workers}`).toBe(notice);
      }
    });

    it("exits 143 on SIGTERM", async () => {
      const run = start(["run", "test/run/fixtures/forever.ts"]);
      await run.printed("tick 0\n");
      run.child.kill("SIGTERM");
      const r = await run.done;
      expect(r.code).toBe(143);
    });

    it("exits at once on a second SIGINT when the first cannot stop the run", async () => {
      const run = start(["run", "test/run/fixtures/stuck.ts"]);
      await run.printed("started\n");
      run.child.kill("SIGINT");
      // The first SIGINT was handled (the run was asked to stop), yet the process lives on.
      await run.printed("SIGINT received, stopping the run", "stderr");
      expect(run.child.exitCode).toBe(null);
      expect(run.child.signalCode).toBe(null);
      const sent = Date.now();
      run.child.kill("SIGINT");
      const r = await run.done;
      expect(Date.now() - sent).toBeLessThan(2_000);
      expect(r.code).toBe(130);
    });
  });

  describe.concurrent("visualize", () => {
    it("prints a Mermaid flowchart by default", async () => {
      const r = await sluice(["visualize", `${FLOWS}:branchy`]);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(
        [
          "flowchart TD",
          'subgraph "branchy (Dataflow)"',
          'branchy.in["in (input)"]',
          'branchy.even["even (branch)"]',
          'branchy.in -- "down → up" --> branchy.even',
          'branchy.both["both (merge)"]',
          'branchy.even -- "trues → ups" --> branchy.both',
          'branchy.even -- "falses → ups" --> branchy.both',
          'branchy.out["out (output)"]',
          'branchy.both -- "down → up" --> branchy.out',
          "end",
          "",
        ].join("\n"),
      );
    });

    it("prints the step tree as JSON with -o json, without running the flow", async () => {
      const r = await sluice(["visualize", FLOWS, "-o", "json"]);
      expect(r.code).toBe(0);
      const tree = JSON.parse(r.stdout);
      expect(tree.type).toBe("Dataflow");
      expect(tree.flowId).toBe("hello");
      expect(tree.substeps.map((s: { stepId: string }) => s.stepId)).toEqual(["hello.in", "hello.fmt", "hello.out"]);
      expect(tree.substeps[1].substeps[0].stepId).toBe("hello.fmt.flat_map_batch");
      expect(r.stdout).not.toContain("hello: 1");
    });

    it("prints a Graphviz graph with -o dot, labelling only the edges of steps with several ports on that side", async () => {
      const r = await sluice(["visualize", `${FLOWS}:joined`, "-o", "dot"]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.split("\n").filter((line) => line.includes("->"))).toEqual([
        '  "joined.in" -> "joined.key";',
        '  "joined.key" -> "joined.big";',
        '  "joined.big" -> "joined.double" [label="trues"];',
        '  "joined.double" -> "joined.j" [label="sides[0]"];',
        '  "joined.big" -> "joined.j" [label="falses → sides[1]"];',
        '  "joined.j" -> "joined.fmt";',
        '  "joined.fmt" -> "joined.out";',
      ]);
      expect(r.stdout.endsWith("}\n")).toBe(true);
    });

    it("prints an SVG image with -o svg: XML with a box per step, found by its step id", async () => {
      const r = await sluice(["visualize", `${FLOWS}:joined`, "-o", "svg"]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toBe("");
      const svg = parseXml(r.stdout);
      expect(svg.documentElement!.tagName).toBe("svg");
      for (const [step, label] of [
        ["in", "in (input)"],
        ["key", "key (keyOn)"],
        ["big", "big (branch)"],
        ["double", "double (mapValue)"],
        ["j", "j (join)"],
        ["fmt", "fmt (map)"],
        ["out", "out (output)"],
      ]) {
        const g = svg.getElementById(`step-joined.${step}`);
        expect(g, step).not.toBeNull();
        expect(g!.getElementsByTagName("text")[0].textContent).toBe(label);
      }
      expect(r.stdout).not.toContain("joined: ");
    });

    it("prints a self-contained HTML page with -o html, titled with the flow id", async () => {
      const r = await sluice(["visualize", `${FLOWS}:joined`, "-o", "html"]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.startsWith("<!DOCTYPE html>\n")).toBe(true);
      expect(r.stdout).toContain("<title>joined</title>");
      expect(r.stdout).not.toMatch(/<script|<link|<img|\b(src|href)=/);
      const svg = /<main id="dataflow" data-flow-id="joined">\n([\s\S]*)\n<\/main>/.exec(r.stdout);
      expect(parseXml(svg![1]).getElementById("step-joined.j")).not.toBeNull();
    });

    it("rejects an unknown output format, naming the known ones", async () => {
      const r = await sluice(["visualize", FLOWS, "-o", "png"]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toBe(
        "sluice visualize: option '-o, --output' must be 'mermaid', 'json', 'dot', 'svg' or 'html'; got 'png'\n" +
          "Run 'sluice visualize --help' for usage.\n",
      );
    });
  });
});

describe("parseCli", () => {
  it("defaults to the `flow` export, a 10 s epoch and one worker", () => {
    expect(parseCli(["run", "f.ts"], {})).toEqual({
      kind: "run",
      target: { file: "f.ts", exportName: "flow" },
      workers: 1,
      epochInterval: 10_000,
    });
  });

  it("reads fractional seconds", () => {
    expect(parseCli(["run", "f.ts", "-s", "0.25"], {})).toMatchObject({ epochInterval: 250 });
    expect(parseCli(["run", "f.ts"], { SLUICE_SNAPSHOT_INTERVAL: "1.5" })).toMatchObject({ epochInterval: 1500 });
    expect(parseCli(["run", "f.ts"], { SLUICE_SNAPSHOT_INTERVAL: "" })).toMatchObject({ epochInterval: 10_000 });
  });

  it("rejects extra arguments", () => {
    expect(() => parseCli(["run", "a.ts", "b.ts"], {})).toThrow("unexpected argument 'b.ts'");
  });

  it("parses recovery inspect: a directory, an optional flow target, --json", () => {
    expect(parseCli(["recovery", "inspect", "state"], {})).toEqual({ kind: "recoveryInspect", dir: "state", json: false });
    expect(parseCli(["recovery", "inspect", "state", "f.ts:wc", "--json"], {})).toEqual({
      kind: "recoveryInspect",
      dir: "state",
      target: { file: "f.ts", exportName: "wc" },
      json: true,
    });
    expect(() => parseCli(["recovery", "inspect"], {})).toThrow("usage: sluice recovery inspect <dir> [<file>[:export]] [--json]");
    expect(() => parseCli(["recovery", "inspect", "state", "f.ts", "g.ts"], {})).toThrow("unexpected argument 'g.ts'");
    expect(() => parseCli(["recovery", "init", "state", "1", "--json"], {})).toThrow("option '--json' is for 'sluice recovery inspect' only");
    expect(() => parseCli(["recovery"], {})).toThrow("missing subcommand: 'init', 'inspect' or 'verify'");
    expect(parseCli(["recovery", "verify", "state"], {})).toEqual({ kind: "recoveryVerify", dir: "state" });
    expect(() => parseCli(["recovery", "verify"], {})).toThrow("usage: sluice recovery verify <dir>");
    expect(() => parseCli(["recovery", "verify", "state", "more"], {})).toThrow("unexpected argument 'more'");
    expect(() => parseCli(["recovery", "verify", "state", "--json"], {})).toThrow("option '--json' is for 'sluice recovery inspect' only");
    expect(() => parseCli(["recovery", "check", "state"], {})).toThrow("unknown subcommand 'check': expected 'init', 'inspect' or 'verify'");
  });

  it("takes the log format from --log-format, else SLUICE_LOG_FORMAT, and only text or json", () => {
    expect(parseCli(["run", "f.ts", "--log-format", "json"], {})).toMatchObject({ logFormat: "json" });
    expect(parseCli(["run", "f.ts"], { SLUICE_LOG_FORMAT: "JSON" })).toMatchObject({ logFormat: "json" });
    expect(parseCli(["run", "f.ts", "--log-format", "text"], { SLUICE_LOG_FORMAT: "json" })).toMatchObject({ logFormat: "text" });
    expect(parseCli(["run", "f.ts"], {})).not.toHaveProperty("logFormat");
    expect(() => parseCli(["run", "f.ts", "--log-format", "xml"], {})).toThrow("option '--log-format' must be 'text' or 'json'; got 'xml'");
    expect(() => parseCli(["run", "f.ts"], { SLUICE_LOG_FORMAT: "yaml" })).toThrow("SLUICE_LOG_FORMAT must be 'text' or 'json'; got 'yaml'");
  });
});

describe("parseFlowTarget", () => {
  it("splits the export name after the last colon", () => {
    expect(parseFlowTarget("dir/flow.ts:makeFlow")).toEqual({ file: "dir/flow.ts", exportName: "makeFlow" });
    expect(parseFlowTarget("flow.ts")).toEqual({ file: "flow.ts", exportName: "flow" });
  });

  it("keeps colons that do not start an export name", () => {
    expect(parseFlowTarget("C:\\flows\\f.ts")).toEqual({ file: "C:\\flows\\f.ts", exportName: "flow" });
    expect(parseFlowTarget("C:\\flows\\f.ts:g")).toEqual({ file: "C:\\flows\\f.ts", exportName: "g" });
    expect(parseFlowTarget("a:b.ts")).toEqual({ file: "a:b.ts", exportName: "flow" });
  });

  it("rejects an empty export name", () => {
    expect(() => parseFlowTarget("flow.ts:")).toThrow("empty export name");
  });
});

describe("esmFormatFor", () => {
  it("treats .ts files outside a CommonJS package as ES modules", () => {
    expect(esmFormatFor("file:///nowhere/flow.ts", undefined)).toBe("module");
    expect(esmFormatFor("file:///nowhere/flow.ts", "commonjs-typescript")).toBe("module-typescript");
    expect(esmFormatFor("file:///nowhere/node_modules/x/flow.ts", undefined)).toBeUndefined();
    expect(esmFormatFor("file:///nowhere/flow.cts", undefined)).toBeUndefined();
    expect(esmFormatFor("file:///nowhere/flow.js", "commonjs")).toBeUndefined();
    expect(esmFormatFor("node:fs", "builtin")).toBeUndefined();
  });

  it('in a "type": "commonjs" package, treats only files written as ES modules (and using no CommonJS names) as ES modules', async () => {
    const dir = await mkdtemp(join(tmpdir(), "sluice-cjs-format-"));
    await writeFile(join(dir, "package.json"), '{ "type": "commonjs" }\n');
    const cases: [string, string, string | undefined][] = [
      ["esm.ts", 'import { a } from "./a";\nexport const b = a; // see http://example.com\n', "module"],
      ["comment.ts", '// uses require(...) only in a comment\n/* module.exports */\nexport const x = 1;\n', "module"],
      ["cjs.ts", 'const a = require("./a");\nmodule.exports = { a };\n', undefined],
      ["mixed.ts", 'import { a } from "./a";\nexport const here = __dirname + a;\n', undefined],
      ["dynamic.ts", 'const m = import("./a");\n', undefined],
    ];
    for (const [name, text, expected] of cases) {
      await writeFile(join(dir, name), text);
      expect(esmFormatFor(`file://${join(dir, name)}`, "commonjs"), name).toBe(expected);
    }
  });
});

/** The lines of `stderr`, each parsed as JSON (a line that is not JSON fails the test, naming it). */
function jsonLines(stderr: string): Record<string, unknown>[] {
  return stderr
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        throw new Error(`not a JSON line on stderr: ${line}`);
      }
    });
}

/** What every JSON line has: an ISO 8601 time, a level and a message. */
const LOG_LINE = { time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/), level: expect.stringMatching(/^(info|warn|error)$/), msg: expect.any(String) };

describe("sluice run --log-format json", () => {
  it("-v writes every progress line as one JSON object with the run's fields, on 1 and 2 workers", async () => {
    for (const workers of [1, 2]) {
      const dir = await mkdtemp(join(tmpdir(), "sluice-cli-json-"));
      expect((await sluice(["recovery", "init", dir, "2"])).code).toBe(0);
      const r = await sluice(["run", `${FLOWS}:sums`, "-r", dir, "-s", "0", "-b", "0", "-w", String(workers), "-v", "--log-format", "json"]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.split("\n").filter(Boolean).sort()).toEqual(["a=1", "b=2"]);
      const lines = jsonLines(r.stderr);
      for (const line of lines) expect(line).toMatchObject({ ...LOG_LINE, level: "info", flow: "sums" });
      const plural = workers === 1 ? "worker" : "workers";
      expect(lines[0]).toEqual({
        ...LOG_LINE,
        msg: `running 'sums' on ${workers} ${plural}, an epoch per batch, recovery in ${dir}, execution 1, starting at epoch 1`,
        event: "start",
        flow: "sums",
        workers,
        elapsedMs: expect.any(Number),
        epochIntervalMs: 0,
        recoveryDir: dir,
        execution: 1,
        epoch: 1,
      });
      const epochs = lines.slice(1, -1);
      expect(epochs.length).toBeGreaterThan(0);
      for (const line of epochs) {
        expect(line).toEqual({
          ...LOG_LINE,
          msg: expect.stringMatching(/^epoch \d+ committed at [\d.]+ s: /),
          event: "epoch",
          flow: "sums",
          epoch: expect.any(Number),
          committed: true,
          items: expect.any(Number),
          totalItems: expect.any(Number),
          stored: expect.any(Number),
          elapsedMs: expect.any(Number),
          ...(line.rate === undefined ? {} : { rate: expect.any(Number) }),
          // When the epoch was cut, on one worker (the coordinator of several does not know it).
          ...(line.closedMs === undefined ? {} : { closedMs: expect.any(Number) }),
        });
      }
      const numbers = epochs.map((line) => line.epoch as number);
      expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
      expect(epochs.at(-1)!.totalItems).toBe(2);
      expect(epochs.reduce((n, line) => n + (line.items as number), 0)).toBe(2);
      expect(lines.at(-1)).toEqual({
        ...LOG_LINE,
        msg: expect.stringMatching(/^run ended \(every input ended\) after [\d.]+ s: 2 items read$/),
        event: "end",
        flow: "sums",
        outcome: "eof",
        items: 2,
        elapsedMs: expect.any(Number),
      });
    }
  }, 60_000);

  it("takes SLUICE_LOG_FORMAT=json from the environment, for a failure report too; --log-format text wins over it", async () => {
    const failed = await sluice(["run", `${FLOWS}:failing`, "-w", "2"], { env: { SLUICE_LOG_FORMAT: "json" } });
    expect(failed.code).toBe(1);
    expect(jsonLines(failed.stderr)).toEqual([
      {
        ...LOG_LINE,
        level: "error",
        msg: "StepError: error calling `mapper` in step 'failing.boom': RangeError: two is too many",
        command: "run",
        event: "error",
        error: "StepError",
        stepId: "failing.boom",
        epoch: 1,
        exitCode: 1,
        hint: "set SLUICE_DEBUG=1 to print the stack trace of the cause",
      },
    ]);
    const text = await sluice(["run", FLOWS, "-v", "--log-format", "text"], { env: { SLUICE_LOG_FORMAT: "json" } });
    expect(text.stderr).toMatch(/^sluice: running 'hello' on 1 worker, epochs of 10\.0 s, no recovery\n/);
  });

  it("writes the SIGINT notice as JSON", async () => {
    const run = start(["run", "test/run/fixtures/forever.ts", "--log-format", "json"]);
    await run.printed("tick 1\n");
    run.child.kill("SIGINT");
    const r = await run.done;
    expect(r.code).toBe(130);
    expect(jsonLines(r.stderr)).toEqual([
      { ...LOG_LINE, level: "warn", msg: "SIGINT received, stopping the run (send it again to exit at once)", event: "signal", signal: "SIGINT" },
    ]);
  });

  it("writes where metrics and the dashboard are served as JSON", async () => {
    const r = await sluice(["run", FLOWS, "--metrics-port", "0", "--dashboard", "0", "--log-format", "json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(jsonLines(r.stderr)).toEqual([
      { ...LOG_LINE, level: "info", msg: expect.stringMatching(/^metrics at http:\/\/127\.0\.0\.1:\d+\/metrics$/), event: "serving", endpoint: "metrics", url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/) },
      { ...LOG_LINE, level: "info", msg: expect.stringMatching(/^dashboard at http:\/\/127\.0\.0\.1:\d+\/$/), event: "serving", endpoint: "dashboard", url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/$/) },
    ]);
  });

  it("writes the skipped runMain notice as JSON, once: the worker threads inherit the format and say nothing", async () => {
    const r = await sluice(["run", "test/run/fixtures/runsItself.ts", "-w", "2", "--log-format", "json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(jsonLines(r.stderr)).toEqual([
      {
        ...LOG_LINE,
        level: "warn",
        msg: "skipped runMain(flow 'runs_itself') in a module sluice is loading; sluice run runs the exported flow itself",
        event: "skipped_run_main",
        flow: "runs_itself",
      },
    ]);
  });
});

describe("sluice CLI with recovery", () => {
  it("recovery init creates a missing directory with its parents, and refuses to initialise it twice", async () => {
    const dir = join(await mkdtemp(join(tmpdir(), "sluice-cli-rec-")), "a", "b", "state");
    const init = await sluice(["recovery", "init", dir, "1"]);
    expect(init.stderr).toBe("");
    expect(init.code).toBe(0);
    expect(init.stdout).toBe(`created 1 recovery partition in ${dir}\n`);
    expect(existsSync(join(dir, "part-0.sqlite3"))).toBe(true);
    const again = await sluice(["recovery", "init", dir, "1"]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`sluice recovery init: BuildError: recovery directory '${dir}' is already initialised`);
    expect(again.stderr).not.toContain("recoveryInit");
    // The directory is intact: a run resumes from it.
    const run = await sluice(["run", `${FLOWS}:sums`, "-r", dir, "-s", "0", "-b", "0"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe("a=1\nb=2\n");
  });

  it("creates a recovery directory and continues a flow from it, run after run", async () => {
    const dir = await mkdtemp(join(tmpdir(), "sluice-cli-rec-"));
    const init = await sluice(["recovery", "init", dir, "2"]);
    expect(init.code).toBe(0);
    expect(init.stdout).toContain(`created 2 recovery partitions in ${dir}`);
    const args = ["run", `${FLOWS}:sums`, "-r", dir, "-s", "0", "-b", "0"];
    const first = await sluice(args);
    expect(first.stderr).toBe("");
    expect(first.stdout).toBe("a=1\nb=2\n");
    const second = await sluice(args);
    expect(second.stdout).toBe("a=4\n");
    const third = await sluice(["run", `${FLOWS}:sums`], { env: { SLUICE_RECOVERY_DIRECTORY: dir, SLUICE_SNAPSHOT_INTERVAL: "1", SLUICE_BACKUP_INTERVAL: "0" } });
    expect(third.code).toBe(0);
    expect(third.stdout).toBe("");
  });

  it("-v prints progress to stderr: the start, where a recovered run resumes, every epoch, the end", async () => {
    for (const workers of ["1", "2"]) {
      const dir = await mkdtemp(join(tmpdir(), "sluice-cli-rec-"));
      expect((await sluice(["recovery", "init", dir, "2"])).code).toBe(0);
      const args = ["run", `${FLOWS}:sums`, "-r", dir, "-s", "0", "-b", "0", "-w", workers, "-v"];
      const first = await sluice(args);
      expect(first.code).toBe(0);
      expect(first.stdout.split("\n").filter(Boolean).sort()).toEqual(["a=1", "b=2"]);
      const lines = first.stderr.split("\n").filter(Boolean);
      const plural = workers === "1" ? "worker" : "workers";
      expect(lines[0]).toBe(`sluice: running 'sums' on ${workers} ${plural}, an epoch per batch, recovery in ${dir}, execution 1, starting at epoch 1`);
      expect(lines.some((l) => /^sluice: epoch \d+ committed at [\d.]+ s: [\d,]+ items? read( \([\d,]+\/s\))?, 2 in all, \d+ states? stored$/.test(l))).toBe(true);
      expect(lines.at(-1)).toMatch(/^sluice: run ended \(every input ended\) after [\d.]+ s: 2 items read$/);
      const second = await sluice(args);
      expect(second.stdout).toBe("a=4\n");
      expect(second.stderr.split("\n")[0]).toMatch(new RegExp(`^sluice: running 'sums' on ${workers} ${plural}, an epoch per batch, recovery in .*, execution 2, resuming at epoch \\d+$`));
      expect(second.stderr).toMatch(/run ended \(every input ended\) after [\d.]+ s: 1 item read\n$/);
    }
  }, 60_000);

  it("is silent on stderr without -v or SLUICE_LOG, and SLUICE_LOG alone turns progress on", async () => {
    const quiet = await sluice(["run", FLOWS]);
    expect(quiet.stderr).toBe("");
    const loud = await sluice(["run", FLOWS], { env: { SLUICE_LOG: "info" } });
    expect(loud.stdout).toBe("hello: 1\nhello: 2\nhello: 3\n");
    expect(loud.stderr).toMatch(/^sluice: running 'hello' on 1 worker, epochs of 10\.0 s, no recovery\n/);
    expect(loud.stderr).toMatch(/sluice: epoch 1 closed at [\d.]+ s: 3 items read.*, 3 in all\nsluice: run ended \(every input ended\)/);
  });

  it('runs a flow written as an ES module in a "type": "commonjs" package (what npm init writes)', async () => {
    const dir = await mkdtemp(join(tmpdir(), "sluice-cli-cjs-"));
    await writeFile(join(dir, "package.json"), JSON.stringify({ name: "proj", version: "1.0.0", type: "commonjs" }));
    // Extensionless relative imports, as CommonJS TypeScript projects write them.
    await writeFile(join(dir, "helper.ts"), "export const double = (n: number): number => n * 2;\n");
    await writeFile(
      join(dir, "flow.ts"),
      [
        `import { Dataflow } from ${JSON.stringify(join(DIST, "index.js"))};`,
        `import { TestingSource } from ${JSON.stringify(join(DIST, "testing", "index.js"))};`,
        `import { StdOutSink } from ${JSON.stringify(join(DIST, "connectors", "stdio", "index.js"))};`,
        'import { double } from "./helper";',
        'export const flow = new Dataflow("cjs");',
        'flow.input("in", new TestingSource([1, 2, 3])).map("double", double).map("fmt", (n) => `cjs: ${n}`).output("out", new StdOutSink());',
        "",
      ].join("\n"),
    );
    for (const workers of ["1", "2"]) {
      const r = await sluice(["run", "flow.ts", "-w", workers], { cwd: dir });
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      expect(r.stdout.split("\n").filter(Boolean).sort()).toEqual(["cjs: 2", "cjs: 4", "cjs: 6"]);
    }
  }, 30_000);

  it("requires -s and -b with -r, and -r with -b", async () => {
    for (const args of [["-r", "x"], ["-r", "x", "-s", "1"], ["-r", "x", "-b", "1"]]) {
      const r = await sluice(["run", FLOWS, ...args]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("with a recovery directory (-r), both the snapshot interval (-s SECONDS) and the backup interval (-b SECONDS) are required");
    }
    const r = await sluice(["run", FLOWS, "-b", "1"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("option '-b, --backup-interval' needs a recovery directory (-r DIR)");
  });

  it("reports recovery directory problems and bad init arguments", async () => {
    const empty = await mkdtemp(join(tmpdir(), "sluice-cli-rec-"));
    const r = await sluice(["run", FLOWS, "-r", empty, "-s", "1", "-b", "0"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("NoPartitionsError");
    expect(r.stdout).toBe("");
    const fileInTheWay = join(empty, "file");
    await writeFile(fileInTheWay, "");
    const blocked = await sluice(["recovery", "init", join(fileInTheWay, "state"), "2"]);
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toBe(`sluice recovery init: cannot create recovery directory '${join(fileInTheWay, "state")}': a parent of it is not a directory\n`);
    const notADir = await sluice(["recovery", "init", fileInTheWay, "2"]);
    expect(notADir.code).toBe(1);
    expect(notADir.stderr).toContain(`sluice recovery init: BuildError: recovery directory '${fileInTheWay}' is not a directory`);
    const badCount = await sluice(["recovery", "init", empty, "zero"]);
    expect(badCount.code).toBe(2);
    expect(badCount.stderr).toContain("the partition count must be a positive integer; got 'zero'");
    const badSub = await sluice(["recovery", "wipe", empty]);
    expect(badSub.code).toBe(2);
    expect(badSub.stderr).toContain("unknown subcommand 'wipe'");
  });
});

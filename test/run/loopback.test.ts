/**
 * Every port Sluice serves binds to 127.0.0.1 unless the user names a host:
 * a real `sluice run` with `--metrics-port 0 --dashboard 0` answers on the
 * loopback address and refuses connections on the machine's other
 * addresses; with a host named (`0.0.0.0:0`) it answers there too. And an
 * inventory of the servers in src/, so that a new one (function endpoints,
 * …) comes with its own default-host test before it can pass.
 */
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { connect } from "node:net";
import { networkInterfaces } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { BuildError } from "../../src/index.js";
import { TcpSource } from "../../src/connectors/tcp/index.js";
import { BIN, cleanEnv } from "../support/cli.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const FLOW = "test/run/fixtures/metered.ts";

/** The machine's IPv4 addresses other than loopback ones. */
function outsideAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((a) => a !== undefined && a.family === "IPv4" && !a.internal)
    .map((a) => a!.address);
}

/** Whether a TCP connection to `host:port` is accepted. */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.setTimeout(2000, () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** Start `sluice run FLOW -v args`; the URLs it serves metrics and the dashboard at, and how to stop it. */
async function serving(args: string[]): Promise<{ metrics: URL; dashboard: URL; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [BIN, "run", FLOW, "-v", ...args], { cwd: ROOT, env: cleanEnv(), stdio: ["ignore", "ignore", "pipe"] });
  const closed = new Promise<void>((resolve) => child.on("close", () => resolve()));
  let stderr = "";
  const urls = await new Promise<{ metrics: URL; dashboard: URL }>((resolve, reject) => {
    child.stderr.setEncoding("utf8").on("data", (c: string) => {
      stderr += c;
      const m = /metrics at (http:\S+)/.exec(stderr);
      const d = /dashboard at (http:\S+)/.exec(stderr);
      if (m !== null && d !== null) resolve({ metrics: new URL(m[1]), dashboard: new URL(d[1]) });
    });
    void closed.then(() => reject(new Error(`the run ended before serving: ${stderr}`)));
  });
  return {
    ...urls,
    stop: () => {
      child.kill("SIGTERM");
      return closed;
    },
  };
}

describe("the ports a run serves", () => {
  it("bind to 127.0.0.1 by default: reachable there, refused on the machine's other addresses", async () => {
    const run = await serving(["--metrics-port", "0", "--dashboard", "0"]);
    try {
      for (const url of [run.metrics, run.dashboard]) {
        expect(url.hostname).toBe("127.0.0.1");
        const res = await fetch(url);
        expect(res.status).toBe(200);
        await res.text();
        for (const address of outsideAddresses()) expect(await accepts(address, Number(url.port)), `${address}:${url.port}`).toBe(false);
      }
    } finally {
      await run.stop();
    }
  });

  it("bind to the host the user names", async () => {
    const run = await serving(["--metrics-port", "0.0.0.0:0", "--dashboard", "0.0.0.0:0"]);
    try {
      for (const url of [run.metrics, run.dashboard]) {
        expect(url.hostname).toBe("0.0.0.0");
        for (const address of ["127.0.0.1", ...outsideAddresses()]) expect(await accepts(address, Number(url.port)), `${address}:${url.port}`).toBe(true);
      }
    } finally {
      await run.stop();
    }
  });
});

describe("the servers in src/", () => {
  /** Files of src/ (relative, `/`-separated) that start a server, with how each is known to bind. */
  const KNOWN: Record<string, string> = {
    // The metrics endpoint and the dashboard: 127.0.0.1 unless a host is named (tested above).
    "run/internal/metrics/server.ts": "loopback by default",
    // TcpSource: `host` is a required option (tested below).
    "connectors/tcp/internal/tcpSourcePartition.ts": "host required",
  };

  function sources(dir: string): string[] {
    return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : []));
  }

  it("are the ones whose default host is tested here (a new server must join this list with its own test)", () => {
    const src = join(ROOT, "src");
    const serving = sources(src)
      .filter((file) => /\bcreateServer\s*\(|\.listen\s*\(|createSecureServer\s*\(|new\s+(?:WebSocketServer|Server)\s*\(/.test(readFileSync(file, "utf8")))
      .map((file) => relative(src, file).split("\\").join("/"))
      .sort();
    expect(serving).toEqual(Object.keys(KNOWN).sort());
  });

  it("TcpSource listens only on a host the user names", () => {
    const decoder = (b: Buffer): Buffer => b;
    expect(() => new TcpSource({ port: 0, decoder } as unknown as ConstructorParameters<typeof TcpSource>[0])).toThrow(BuildError);
    expect(new TcpSource({ host: "127.0.0.1", port: 0, decoder }).host).toBe("127.0.0.1");
  });
});

/**
 * The Wallaroo alerts applications of examples/wallaroo, over real sockets
 * on 127.0.0.1: transactions go in as length-prefixed frames (4-byte
 * big-endian lengths) written by a real client, alerts come out of a real
 * TcpSink (or stdout). In-process with `runMain` for the framing cases, and
 * as `sluice run` child processes the way their header comments say to run
 * them (examples import `sluice`, the built package that test/globalSetup.ts
 * builds, so this file runs them with the same copy).
 */
import { spawn } from "node:child_process";
import type * as net from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { runMain, type Dataflow } from "sluice";
import { encodeFrame } from "sluice/connectors/tcp";
import { statelessAlerts } from "../../examples/wallaroo/alerts_stateless.js";
import { statefulAlerts } from "../../examples/wallaroo/alerts_stateful.js";
import type { AlertsConfig } from "../../examples/wallaroo/transactions.js";
import { connect, endAndWait, FrameServer, freePort, sleep, waitFor, write } from "../connectors/tcp/helpers.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const BIN = join(ROOT, "bin", "sluice.js");

const servers: FrameServer[] = [];
const clients: net.Socket[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  for (const s of servers.splice(0)) await s.stop();
});

const frame = (text: string): Buffer => encodeFrame(Buffer.from(text, "utf8"));

/** A user's alerts in order, per user (alerts of different users need not keep their relative order). */
function byUser(alerts: readonly string[]): Record<string, string[]> {
  const users: Record<string, string[]> = {};
  for (const alert of alerts) {
    const user = /for (\S+):/.exec(alert)?.[1] ?? "?";
    (users[user] ??= []).push(alert);
  }
  return users;
}

/**
 * Run `build(config)` in this process, listening on a free port and sending
 * its alerts to a framed test server; `send` gets the port once the flow
 * listens. Resolves with the alerts the server received and what was logged.
 */
async function runApp(
  build: (config: AlertsConfig) => Dataflow,
  connections: number,
  send: (port: number) => Promise<void>,
): Promise<{ alerts: string[]; logs: string[] }> {
  const server = await FrameServer.start();
  servers.push(server);
  const logs: string[] = [];
  let listening!: (port: number) => void;
  const port = new Promise<number>((resolve) => (listening = resolve));
  const run = runMain(
    build({
      listen: { host: "127.0.0.1", port: 0 },
      out: { host: "127.0.0.1", port: server.port },
      endAfterConnections: connections,
      onListening: (address) => listening(address.port),
      logger: (message) => logs.push(message),
    }),
  );
  await Promise.race([port.then(send), run.then(() => Promise.reject(new Error("the flow ended before listening")))]);
  await run;
  // The sink ends its connection after the last frame: all alerts are in once the server saw the end.
  await waitFor(() => server.ended === 1, "the alerts connection to end");
  return { alerts: server.texts(), logs };
}

/** A client on 127.0.0.1:`port`, closed by afterEach if the test fails. */
async function client(port: number): Promise<net.Socket> {
  const socket = await connect(port);
  clients.push(socket);
  return socket;
}

describe("examples/wallaroo/alerts_stateless.ts", () => {
  it("alerts on each transaction beyond ±1000, whatever the TCP chunking", async () => {
    const { alerts, logs } = await runApp(statelessAlerts, 1, async (port) => {
      const socket = await client(port);
      // Several frames in one write.
      await write(socket, Buffer.concat([frame("alice,1500"), frame("bob,-200"), frame("bob,-1200")]));
      // One frame across two writes: the header and half the payload, then the rest.
      const split = frame("carol,1001");
      await write(socket, split.subarray(0, 7));
      await sleep(20);
      await write(socket, split.subarray(7));
      // Exactly at the limits: no alert; not a transaction: dropped.
      await write(socket, Buffer.concat([frame("dave,1000"), frame("dave,-1000"), frame("dave,lots"), frame("erin,-5000")]));
      await endAndWait(socket);
    });
    expect(alerts).toEqual([
      "Deposit Alert for alice: 1500",
      "Withdrawal Alert for bob: -1200",
      "Deposit Alert for carol: 1001",
      "Withdrawal Alert for erin: -5000",
    ]);
    expect(logs).toContain('alerts_stateless: dropped a frame that is not "user,amount": "dave,lots"');
  });
});

describe("examples/wallaroo/alerts_stateful.ts", () => {
  it("keeps a running total per user across senders and alerts while it is beyond ±2000", async () => {
    const { alerts } = await runApp(statefulAlerts, 2, async (port) => {
      const first = await client(port);
      await write(first, Buffer.concat([frame("alice,1500"), frame("bob,-1500"), frame("alice,400")]));
      // alice's total reaches 2100 in a frame split across two writes.
      const split = frame("alice,200");
      await write(first, split.subarray(0, 3));
      await sleep(20);
      await write(first, split.subarray(3));
      await endAndWait(first);
      // A second sender: the totals are the users', not the connection's.
      const second = await client(port);
      await write(second, Buffer.concat([frame("bob,-600"), frame("alice,-150"), frame("alice,100"), frame("carol,2000"), frame("bob,700")]));
      await endAndWait(second);
    });
    expect(byUser(alerts)).toEqual({
      alice: ["Deposit Alert for alice: 2100", "Deposit Alert for alice: 2050"],
      bob: ["Withdrawal Alert for bob: -2100"],
    });
    expect(alerts).toHaveLength(3);
  });
});

/** A `sluice run` child process; `printed` waits for text on one of its outputs. */
function sluiceRun(file: string, env: Record<string, string>) {
  const child = spawn(process.execPath, [BIN, "run", file], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  const output = { stdout: "", stderr: "" };
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (output.stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (output.stderr += chunk));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, ...output }));
  });
  let ended = false;
  void done.then(() => (ended = true));
  const printed = async (text: string, stream: "stdout" | "stderr"): Promise<void> => {
    await waitFor(() => output[stream].includes(text) || ended, `${file} to print ${JSON.stringify(text)}`, 20_000);
    if (!output[stream].includes(text)) throw new Error(`${file} ended without printing ${JSON.stringify(text)}:\n${output.stderr}`);
  };
  return { child, done, printed };
}

describe("the examples run with `sluice run`, fed by send.ts", () => {
  it("alerts_stateless.ts prints the alerts of examples/data/transactions.txt", async () => {
    const env = { ALERTS_IN: `127.0.0.1:${await freePort()}`, ALERTS_END_AFTER: "1" };
    const app = sluiceRun("examples/wallaroo/alerts_stateless.ts", env);
    try {
      await app.printed("listening for transactions", "stderr");
      const sender = await sluiceRun("examples/wallaroo/send.ts", env).done;
      expect(sender.code, sender.stderr).toBe(0);
      const { code, stdout, stderr } = await app.done;
      expect(code, stderr).toBe(0);
      expect(stdout.split("\n")).toEqual([
        "Deposit Alert for alice: 1500",
        "Withdrawal Alert for bob: -1200",
        "Deposit Alert for bob: 2500",
        "Withdrawal Alert for carol: -2400",
        "",
      ]);
      expect(stderr).toContain('dropped a frame that is not "user,amount": "dave,lots"');
    } finally {
      app.child.kill();
    }
  });

  it("alerts_stateful.ts sends its alerts as frames to receive.ts", async () => {
    const env = { ALERTS_IN: `127.0.0.1:${await freePort()}`, ALERTS_OUT: `127.0.0.1:${await freePort()}`, ALERTS_END_AFTER: "1" };
    const receiver = sluiceRun("examples/wallaroo/receive.ts", env);
    const app = sluiceRun("examples/wallaroo/alerts_stateful.ts", env);
    try {
      await receiver.printed("listening", "stderr");
      await app.printed("listening for transactions", "stderr");
      const sender = await sluiceRun("examples/wallaroo/send.ts", env).done;
      expect(sender.code, sender.stderr).toBe(0);
      expect((await app.done).code).toBe(0);
      const { code, stdout, stderr } = await receiver.done;
      expect(code, stderr).toBe(0);
      const alerts = stdout.split("\n").filter((line) => line !== "");
      expect(byUser(alerts)).toEqual({
        alice: ["Deposit Alert for alice: 2200", "Deposit Alert for alice: 2300"],
        bob: ["Withdrawal Alert for bob: -2100"],
        carol: ["Withdrawal Alert for carol: -2100"],
      });
      expect(alerts).toHaveLength(4);
    } finally {
      app.child.kill();
      receiver.child.kill();
    }
  });
});

// Helpers of scripts/kafka.sh, in Node so they need nothing but the project's
// own dependencies:
//   node scripts/kafka-helper.mjs ports N                  N free TCP ports on 127.0.0.1
//   node scripts/kafka-helper.mjs ports N outside-ephemeral  the same, below the kernel's
//                                                          ephemeral range (see below)
//   node scripts/kafka-helper.mjs cluster-id               a random KRaft cluster id
//   node scripts/kafka-helper.mjs wait HOST:PORT SECS [PID] until a TCP connect and an
//                                                          admin listTopics succeed
//   node scripts/kafka-helper.mjs wait-secure FILE SECS [PID] the same on the SASL_SSL
//                                                          listener FILE describes
//   node scripts/kafka-helper.mjs secret                   a random password (hex)
//   node scripts/kafka-helper.mjs secure-json HOST:PORT CA USER PASSWORD
//                                                          the SASL_SSL listener's JSON
import { randomBytes, randomInt } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, connect } from "node:net";
import kafkajs from "kafkajs";

const { Kafka, logLevel } = kafkajs;
const [command, ...args] = process.argv.slice(2);

/** Bind port 0 `n` times at once, so the ports differ, then release them. */
async function freePorts(n) {
  const servers = [];
  for (let i = 0; i < n; i++) {
    const server = createServer();
    await new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen({ host: "127.0.0.1", port: 0 }, resolve);
    });
    servers.push(server);
  }
  const ports = servers.map((s) => s.address().port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

/**
 * `n` free ports below the kernel's ephemeral range (Linux: 32768 by default),
 * for a broker that is halted and resumed on the same ports: while it is
 * down, no outgoing connection is given one of them as its local port (a
 * client reconnecting to a port of that range can even connect to itself,
 * and the broker could not bind it again).
 */
async function freePortsOutsideEphemeral(n) {
  let low = 32768;
  try {
    low = Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]) || low;
  } catch {
    // Not Linux: assume its default range.
  }
  const from = Math.max(1024, Math.min(low, 32768) - 12000);
  const ports = [];
  for (let tries = 0; ports.length < n && tries < 1000; tries++) {
    const port = randomInt(from, Math.min(low, 32768));
    if (ports.includes(port)) continue;
    const server = createServer();
    const ok = await new Promise((resolve) => {
      server.once("error", () => resolve(false));
      server.listen({ host: "127.0.0.1", port }, () => resolve(true));
    });
    if (ok) {
      ports.push(port);
      await new Promise((resolve) => server.close(resolve));
    }
  }
  if (ports.length < n) throw new Error(`no ${n} free ports between ${from} and ${low}`);
  return ports;
}

function tcpConnects(host, port) {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Wait until `brokers` answers an admin client (kafkajs options `security`:
 * `ssl` and `sasl` for the secured listener) or `seconds` passed.
 */
async function waitReady(brokers, seconds, pid, security = {}) {
  const deadline = Date.now() + seconds * 1000;
  const [host, port] = [brokers.slice(0, brokers.lastIndexOf(":")), Number(brokers.slice(brokers.lastIndexOf(":") + 1))];
  let lastError = "no answer yet";
  while (Date.now() < deadline) {
    if (pid !== undefined && !alive(pid)) throw new Error(`the broker process ${pid} exited`);
    if (await tcpConnects(host, port)) {
      const admin = new Kafka({
        ...security,
        brokers: [brokers],
        clientId: "sluice-kafka-sh",
        logLevel: logLevel.NOTHING,
        connectionTimeout: 1000,
        requestTimeout: 3000,
        retry: { retries: 0 },
      }).admin();
      try {
        await admin.connect();
        await admin.listTopics();
        // Also have the group coordinator ready (this creates __consumer_offsets),
        // so the first consumer group does not wait for it.
        await admin.describeGroups(["sluice-kafka-sh-warmup"]);
        return;
      } catch (err) {
        lastError = err instanceof Error ? err.message : String(err);
      } finally {
        await admin.disconnect().catch(() => {});
      }
    }
    await sleep(250);
  }
  throw new Error(`timed out: ${lastError}`);
}

try {
  switch (command) {
    case "ports":
      console.log((await (args[1] === "outside-ephemeral" ? freePortsOutsideEphemeral : freePorts)(Number(args[0] ?? 1))).join(" "));
      break;
    case "cluster-id": {
      // kafka-storage parses an id that starts with "-" as an option (as Kafka's
      // own Uuid.randomUuid knows), so draw again until it does not.
      let id;
      do id = randomBytes(16).toString("base64url");
      while (id.startsWith("-"));
      console.log(id);
      break;
    }
    case "wait":
      await waitReady(args[0], Number(args[1] ?? 60), args[2] === undefined ? undefined : Number(args[2]));
      break;
    case "wait-secure": {
      const { brokers, ca, mechanism, username, password } = JSON.parse(readFileSync(args[0], "utf8"));
      const security = { ssl: { ca: [readFileSync(ca, "utf8")] }, sasl: { mechanism, username, password } };
      await waitReady(brokers, Number(args[1] ?? 60), args[2] === undefined ? undefined : Number(args[2]), security);
      break;
    }
    case "secret":
      console.log(randomBytes(18).toString("hex"));
      break;
    case "secure-json": {
      const [brokers, ca, username, password] = args;
      console.log(JSON.stringify({ brokers, ca, mechanism: "scram-sha-512", username, password }));
      break;
    }
    default:
      console.error(
        "usage: kafka-helper.mjs ports N [outside-ephemeral] | cluster-id | wait HOST:PORT SECONDS [PID] | wait-secure FILE SECONDS [PID] | secret | secure-json HOST:PORT CA USER PASSWORD",
      );
      process.exit(2);
  }
} catch (err) {
  console.error(`kafka-helper ${command}: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}

/**
 * Kafka over TLS with SASL/SCRAM-SHA-512, against the real broker's
 * SASL_SSL listener (scripts/kafka.sh; see secureBroker.ts): the source, the
 * at-least-once sink and the exactly-once sink work through it; a wrong
 * password, an untrusted certificate or a wrong host name fail fast with a
 * `ConnectorError` that says what to fix; no password appears in an error,
 * in Sluice's log or in `sluice run -v`'s output.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer as createTlsServer } from "node:tls";
import { fileURLToPath } from "node:url";
import { inspect, promisify } from "node:util";
import { Kafka, logLevel, Partitioners, type Admin } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConnectorError, Dataflow, RecoveryConfig, StepError, initDbDir } from "../../../src/index.js";
import { runMain, TestingSink, TestingSource } from "../../../src/testing/index.js";
import { KafkaSink, KafkaSource, type KafkaClientConfig, type KafkaSinkMessage, type KafkaSourceMessage } from "../../../src/connectors/kafka/index.js";
import { captureStderr } from "../../support/stderr.js";
import { sluice } from "../../support/cli.js";
import { uniqueTopic } from "./helpers.js";
import { secureBroker, type SecureBroker } from "./secureBroker.js";

const FLOW = fileURLToPath(new URL("./fixtures/secureFlow.ts", import.meta.url));
/** A wrong password no other text holds by chance. */
const WRONG = `wrong-${process.pid}-${Date.now().toString(36)}-pw`;

let broker: SecureBroker;
let kafka: Kafka;
let admin: Admin;
const created: string[] = [];
const dirs: string[] = [];
const stderr = captureStderr();

beforeAll(async () => {
  broker = await secureBroker();
  kafka = broker.client();
  admin = kafka.admin();
  await admin.connect();
}, 180_000);

afterAll(async () => {
  if (created.length > 0) await admin?.deleteTopics({ topics: created }).catch(() => {});
  await admin?.disconnect().catch(() => {});
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  await broker?.stop();
}, 120_000);

/** A new topic with `partitions` partitions, created over the SASL_SSL listener. */
async function topic(prefix: string, partitions = 1): Promise<string> {
  const name = uniqueTopic(`sec-${prefix}`);
  await admin.createTopics({ topics: [{ topic: name, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: true });
  created.push(name);
  return name;
}

async function produce(to: string, values: string[]): Promise<void> {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  await producer.send({ topic: to, messages: values.map((v, i) => ({ key: `k${i % 7}`, value: v })), acks: -1 });
  await producer.disconnect();
}

/** Everything committed in `topics`, read with a `KafkaSource` over the secured listener (`tail: false`, read_committed). */
async function readAll(topics: string[], clientConfig: KafkaClientConfig = broker.clientConfig()): Promise<KafkaSourceMessage<Buffer | null, Buffer | null>[]> {
  const out: KafkaSourceMessage<Buffer | null, Buffer | null>[] = [];
  const flow = new Dataflow("secure_read");
  flow.input("in", new KafkaSource({ brokers: [broker.listener.brokers], topics, tail: false, clientConfig })).output("out", new TestingSink(out));
  await runMain(flow, { epochInterval: 0 });
  return out;
}

const values = (messages: KafkaSourceMessage<Buffer | null, Buffer | null>[]): string[] => messages.map((m) => m.value!.toString()).sort();

/** How `promise` fails, and how long it took. */
async function failure(promise: Promise<unknown>): Promise<{ err: unknown; ms: number }> {
  const t0 = Date.now();
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  return { err, ms: Date.now() - t0 };
}

/** The first `ConnectorError` in `err`'s cause chain. */
function connectorErrorIn(err: unknown): ConnectorError | undefined {
  for (let e = err; e instanceof Error; e = e.cause) if (e instanceof ConnectorError) return e;
  return undefined;
}

/** Every text an error carries: its messages, names and stacks down its cause chain, and `util.inspect`'s view of it. */
function allText(err: unknown): string {
  const parts = [inspect(err, { depth: 10 })];
  for (let e = err; e instanceof Error; e = e.cause) parts.push(e.message, e.name, e.stack ?? "");
  return parts.join("\n");
}

describe("Kafka over SASL_SSL (TLS, SCRAM-SHA-512)", () => {
  it("KafkaSource reads every message", async () => {
    const input = await topic("src", 3);
    const sent = Array.from({ length: 300 }, (_, i) => `m${i}`);
    await produce(input, sent);
    expect(values(await readAll([input]))).toEqual([...sent].sort());
  });

  it("KafkaSink (at least once) writes every message", async () => {
    const output = await topic("sink", 2);
    const items = Array.from({ length: 200 }, (_, i): KafkaSinkMessage<string, string> => ({ key: `k${i % 5}`, value: `v${i}` }));
    const flow = new Dataflow("secure_sink");
    flow.input("in", new TestingSource(items, 50)).output("out", new KafkaSink({ brokers: [broker.listener.brokers], topic: output, clientConfig: broker.clientConfig() }));
    await runMain(flow, { epochInterval: 0 });
    expect(values(await readAll([output]))).toEqual(items.map((m) => m.value).sort());
  });

  it("the transactional KafkaSink writes exactly once across a crash and a resume", async () => {
    const output = await topic("txn", 2);
    const items = Array.from({ length: 120 }, (_, i): KafkaSinkMessage<string, string> => ({ key: `k${i % 9}`, value: `t${i}` }));
    const dir = mkdtempSync(join(tmpdir(), "sluice-sec-"));
    dirs.push(dir);
    initDbDir(dir, 1);
    // The first run stops at the ABORT (after 60 items, in an epoch that is never committed); the second resumes.
    const source = new TestingSource<KafkaSinkMessage<string, string>>([...items.slice(0, 60), TestingSource.ABORT(), ...items.slice(60)], 20);
    const run = async (): Promise<void> => {
      const flow = new Dataflow("secure_txn");
      const sink = new KafkaSink({ brokers: [broker.listener.brokers], topic: output, clientConfig: broker.clientConfig(), transactional: { id: `sec-${output}` } });
      flow.input("in", source).output("out", sink);
      await runMain(flow, { epochInterval: 0, recovery: new RecoveryConfig(dir) });
    };
    await run();
    const afterCrash = values(await readAll([output]));
    expect(afterCrash.length).toBeLessThan(items.length);
    await run();
    expect(values(await readAll([output]))).toEqual(items.map((m) => m.value).sort());
  });

  it("a wrong password fails KafkaSource at once with a ConnectorError naming the brokers, the mechanism and the user, not the password", async () => {
    const input = await topic("badpw-src");
    const flow = new Dataflow("secure_badpw");
    flow
      .input("in", new KafkaSource({ brokers: [broker.listener.brokers], topics: [input], tail: false, clientConfig: broker.clientConfig(WRONG) }))
      .output("out", new TestingSink([]));
    const { err, ms } = await failure(runMain(flow, { epochInterval: 0 }));
    expect(err).toBeInstanceOf(StepError);
    expect((err as StepError).stepId).toBe("secure_badpw.in");
    const e = connectorErrorIn(err)!;
    expect(e).toBeInstanceOf(ConnectorError);
    expect(e.retriable).toBe(false);
    expect(e.message).toContain(`KafkaSource could not list partitions on ${broker.listener.brokers}: the brokers ${broker.listener.brokers} refused the SASL login (SCRAM-SHA-512 as user '${broker.listener.username}')`);
    expect(e.message).toContain("check `clientConfig.sasl`");
    // Not retried for `outageTimeout` (60 s): kafkajs's answer comes in well under a second.
    expect(ms).toBeLessThan(5000);
    // Sluice's log has kafkajs's lines about the refused login: searched, not empty.
    expect(stderr.join("")).toContain("kafkajs [SaslAuthenticator-SCRAM-SHA-512]: SASL SCRAM SHA512 authentication failed");
    const seen = `${allText(err)}\n${stderr.join("")}`;
    expect(seen).not.toContain(WRONG);
    expect(seen).not.toContain(broker.listener.password);
  });

  it("a wrong password fails the at-least-once and the transactional KafkaSink at once, without the password", async () => {
    const output = await topic("badpw-sink");
    const variants = [
      // The default topic is checked first: the admin client's login fails.
      { topic: output, transactional: undefined, failed: /^KafkaSink in step 'secure_badpw_sink\.out' could not list partitions on / },
      { topic: output, transactional: { id: `sec-badpw-${output}` }, failed: /^KafkaSink \(transactional id '[^']+'\) could not list partitions on / },
      // No default topic: the producer's login fails.
      { topic: undefined, transactional: undefined, failed: /^KafkaSink in step 'secure_badpw_sink\.out' could not connect its producer: / },
    ];
    for (const { topic: defaultTopic, transactional, failed } of variants) {
      const dir = mkdtempSync(join(tmpdir(), "sluice-sec-"));
      dirs.push(dir);
      initDbDir(dir, 1);
      const flow = new Dataflow("secure_badpw_sink");
      flow
        .input("in", new TestingSource([{ topic: output, value: "x" }]))
        .output("out", new KafkaSink({ brokers: [broker.listener.brokers], topic: defaultTopic, clientConfig: broker.clientConfig(WRONG), transactional }));
      const { err, ms } = await failure(runMain(flow, { epochInterval: 0, recovery: new RecoveryConfig(dir) }));
      expect(err).toBeInstanceOf(StepError);
      expect((err as StepError).stepId).toBe("secure_badpw_sink.out");
      const e = connectorErrorIn(err)!;
      expect(e).toBeInstanceOf(ConnectorError);
      expect(e.retriable).toBe(false);
      expect(e.message).toMatch(failed);
      expect(e.message).toContain(`the brokers ${broker.listener.brokers} refused the SASL login (SCRAM-SHA-512 as user '${broker.listener.username}')`);
      expect(ms).toBeLessThan(5000);
      expect(`${allText(err)}\n${stderr.join("")}`).not.toContain(WRONG);
    }
  });

  it("a wrong password in a kafkajs client given to the transactional KafkaSink fails at once, pointing at that client", async () => {
    const output = await topic("badpw-client");
    const dir = mkdtempSync(join(tmpdir(), "sluice-sec-"));
    dirs.push(dir);
    initDbDir(dir, 1);
    const client = new Kafka({ ...broker.clientConfig(WRONG), brokers: [broker.listener.brokers], logLevel: logLevel.NOTHING });
    const flow = new Dataflow("secure_badpw_client");
    flow.input("in", new TestingSource([{ value: "x" }])).output("out", new KafkaSink({ brokers: [broker.listener.brokers], topic: output, client, transactional: { id: `c-${output}` } }));
    const { err, ms } = await failure(runMain(flow, { epochInterval: 0, recovery: new RecoveryConfig(dir) }));
    const e = connectorErrorIn(err)!;
    expect(e).toBeInstanceOf(ConnectorError);
    expect(e.retriable).toBe(false);
    expect(e.message).toContain(`the brokers ${broker.listener.brokers} refused the SASL login: KafkaJSSASLAuthenticationError: `);
    expect(e.message).toContain("check the `sasl` option of the kafkajs client given");
    expect(ms).toBeLessThan(5000);
    expect(allText(err)).not.toContain(WRONG);
  });

  it("a SASL mechanism the broker does not offer fails at once, naming it", async () => {
    const input = await topic("mech");
    const source = new KafkaSource({
      brokers: [broker.listener.brokers],
      topics: [input],
      clientConfig: { ssl: { ca: [broker.caPem] }, sasl: { mechanism: "scram-sha-256", username: broker.listener.username, password: WRONG } },
    });
    const { err, ms } = await failure(source.listParts());
    expect(err).toBeInstanceOf(ConnectorError);
    expect((err as ConnectorError).retriable).toBe(false);
    expect((err as ConnectorError).message).toContain(
      `the brokers ${broker.listener.brokers} do not take the SASL login SCRAM-SHA-256 as user '${broker.listener.username}'`,
    );
    expect(ms).toBeLessThan(5000);
    expect(allText(err)).not.toContain(WRONG);
  });

  it("TLS without the broker's CA fails at once: the certificate is not trusted", async () => {
    const input = await topic("noca");
    const { ssl: _ssl, ...rest } = broker.clientConfig();
    const source = new KafkaSource({ brokers: [broker.listener.brokers], topics: [input], clientConfig: { ...rest, ssl: true } });
    const { err, ms } = await failure(source.listParts());
    expect(err).toBeInstanceOf(ConnectorError);
    expect((err as ConnectorError).retriable).toBe(false);
    expect((err as ConnectorError).message).toMatch(
      new RegExp(`^KafkaSource could not list partitions on ${broker.listener.brokers}: TLS with ${broker.listener.brokers} failed: the broker's certificate is not signed by a CA this client trusts: give \`clientConfig\\.ssl\\.ca\` the CA certificate\\(s\\) that signed it \\(SELF_SIGNED_CERT_IN_CHAIN: `),
    );
    // kafkajs's own retries (about 2 s), not `outageTimeout`.
    expect(ms).toBeLessThan(10_000);
    expect(allText(err)).not.toContain(broker.listener.password);
  });

  it("TLS to a host name the certificate does not list fails at once, naming the fix", async () => {
    const input = await topic("host");
    const config = broker.clientConfig();
    const source = new KafkaSource({
      brokers: [broker.listener.brokers],
      topics: [input],
      clientConfig: { ...config, ssl: { ca: [broker.caPem], servername: "kafka.example" } },
    });
    const { err, ms } = await failure(source.listParts());
    expect(err).toBeInstanceOf(ConnectorError);
    expect((err as ConnectorError).retriable).toBe(false);
    expect((err as ConnectorError).message).toContain("the broker's certificate is not for the host name connected to");
    expect((err as ConnectorError).message).toContain("ERR_TLS_CERT_ALTNAME_INVALID");
    expect(ms).toBeLessThan(10_000);
  });

  it("an expired certificate fails at once, saying so", async () => {
    // A TLS server (the handshake fails before any Kafka request) with a certificate that expired yesterday, made by keytool.
    const dir = mkdtempSync(join(tmpdir(), "sluice-sec-"));
    dirs.push(dir);
    const keytool = (...args: string[]) => promisify(execFile)("keytool", ["-J-XX:TieredStopAtLevel=1", ...args, "-keystore", join(dir, "k.p12"), "-storepass", "storepass"]);
    const key = ["-storetype", "PKCS12", "-keypass", "storepass", "-alias", "x", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost"];
    await keytool("-genkeypair", ...key, "-ext", "SAN=ip:127.0.0.1", "-startdate", "-3d", "-validity", "2");
    await keytool("-exportcert", "-rfc", "-alias", "x", "-file", join(dir, "ca.pem"));
    const server = createTlsServer({ pfx: readFileSync(join(dir, "k.p12")), passphrase: "storepass" });
    server.on("tlsClientError", () => {});
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = `127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      const source = new KafkaSource({ brokers: [address], topics: ["t"], clientConfig: { ...broker.clientConfig(), ssl: { ca: [readFileSync(join(dir, "ca.pem"), "utf8")] } } });
      const { err, ms } = await failure(source.listParts());
      expect(err).toBeInstanceOf(ConnectorError);
      expect((err as ConnectorError).retriable).toBe(false);
      expect((err as ConnectorError).message).toContain(`TLS with ${address} failed: the broker's certificate is not valid now (expired, not yet valid or revoked) (CERT_HAS_EXPIRED: `);
      expect(ms).toBeLessThan(10_000);
    } finally {
      server.close();
    }
  });

  it("the certificate is for localhost as well as 127.0.0.1", async () => {
    const input = await topic("localhost");
    await produce(input, ["a", "b"]);
    const port = broker.listener.brokers.slice(broker.listener.brokers.lastIndexOf(":") + 1);
    const source = new KafkaSource({ brokers: [`localhost:${port}`], topics: [input], clientConfig: broker.clientConfig() });
    expect(await source.listParts()).toEqual([`${input}-0`]);
  });

  it("kafkajs's own log, at DEBUG level, in text and JSON, reaches Sluice's log without the password", async () => {
    const input = await topic("debug");
    const format = process.env.SLUICE_LOG_FORMAT;
    try {
      for (const logFormat of ["text", "json"]) {
        process.env.SLUICE_LOG_FORMAT = logFormat;
        for (const password of [broker.listener.password, WRONG]) {
          stderr.length = 0;
          const clientConfig = { ...broker.clientConfig(password), logLevel: logLevel.DEBUG };
          await new KafkaSource({ brokers: [broker.listener.brokers], topics: [input], clientConfig }).listParts().catch(() => {});
          const logged = stderr.join("");
          expect(logged).toContain("SaslAuthenticate");
          expect(logged).not.toContain(password);
        }
      }
    } finally {
      if (format === undefined) delete process.env.SLUICE_LOG_FORMAT;
      else process.env.SLUICE_LOG_FORMAT = format;
    }
  });

  it("a connector's util.inspect and JSON show no password", () => {
    const config = broker.clientConfig(WRONG);
    const source = new KafkaSource({ brokers: [broker.listener.brokers], topics: ["t"], clientConfig: config });
    const sink = new KafkaSink({ brokers: [broker.listener.brokers], topic: "t", clientConfig: config, transactional: { id: "x" } });
    for (const connector of [source, sink]) {
      expect(inspect(connector, { depth: 20, showHidden: true })).not.toContain(WRONG);
      expect(JSON.stringify(connector)).not.toContain(WRONG);
    }
  });
});

describe("sluice run -v over SASL_SSL", () => {
  const env = (input: string, output: string, password: string): Record<string, string> => ({
    SECURE_BROKERS: broker.listener.brokers,
    SECURE_CA: broker.listener.ca,
    SECURE_USER: broker.listener.username,
    SECURE_PASSWORD: password,
    SECURE_IN: input,
    SECURE_OUT: output,
  });

  it("runs KafkaSource -> KafkaSink, and its output holds no password", async () => {
    const input = await topic("cli-in", 2);
    const output = await topic("cli-out", 2);
    await produce(input, ["a", "b", "c"]);
    for (const format of ["text", "json"]) {
      const result = await sluice(["run", FLOW, "-v"], { env: { ...env(input, output, broker.listener.password), SLUICE_LOG_FORMAT: format } });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toContain("kafka_secure");
      expect(`${result.stdout}${result.stderr}`).not.toContain(broker.listener.password);
    }
    expect(values(await readAll([output]))).toEqual(["A", "A", "B", "B", "C", "C"]);
  });

  it("a cluster application over SASL_SSL: its own clients take the flow's client options; exactly once, no password in its output", async () => {
    const input = await topic("cluster-in", 2);
    const output = await topic("cluster-out", 2);
    await produce(input, ["a", "b", "c", "d"]);
    const app = `app-${output}`;
    created.push(`${app}-changelog`);
    // No keyed step and `tail: false`: each task ends with its input, and a process with a static assignment then ends.
    const result = await sluice(["run", FLOW, "-v", "--application-id", app, "--bootstrap-servers", broker.listener.brokers, "--process", "0/1", "-s", "0.2"], {
      env: env(input, output, broker.listener.password),
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/tasks 0,1 of 2/);
    expect(`${result.stdout}${result.stderr}`).not.toContain(broker.listener.password);
    expect(values(await readAll([output]))).toEqual(["A", "B", "C", "D"]);
  }, 120_000);

  it("sluice visualize of the flow, in every format (its JSON is also the dashboard's graph), holds no password", async () => {
    for (const format of ["mermaid", "json", "dot", "svg", "html"]) {
      const result = await sluice(["visualize", FLOW, "-o", format], { env: env("in", "out", WRONG) });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain("kafka_secure");
      expect(`${result.stdout}${result.stderr}`).not.toContain(WRONG);
    }
  });

  it("with a wrong password fails within seconds, saying why, and never prints it", async () => {
    const input = await topic("cli-badpw");
    await produce(input, ["a"]);
    for (const format of ["text", "json"]) {
      const t0 = Date.now();
      const result = await sluice(["run", FLOW, "-v"], { env: { ...env(input, uniqueTopic("never"), WRONG), SLUICE_LOG_FORMAT: format } });
      expect(result.code).not.toBe(0);
      expect(Date.now() - t0).toBeLessThan(15_000);
      expect(result.stderr).toContain(`refused the SASL login (SCRAM-SHA-512 as user '${broker.listener.username}')`);
      expect(result.stderr).toContain(broker.listener.brokers);
      expect(`${result.stdout}${result.stderr}`).not.toContain(WRONG);
    }
  });
});

/**
 * The test broker's SASL_SSL listener (TLS, SASL/SCRAM-SHA-512), as
 * `scripts/kafka.sh secure` describes it:
 *
 * 1. `KAFKA_SASL_SSL` names a JSON file of that form (`.ci/run` sets it for
 *    every Node version's run; or a secured cluster of your own);
 * 2. else the project's broker (`scripts/kafka.sh`, started by
 *    test/kafkaSetup.ts) has one;
 * 3. else (a cluster named by `KAFKA_BROKERS` and nothing else, or a
 *    broker started by an older script) a broker instance of the caller's
 *    own is started (`KAFKA_INSTANCE=security-<pid>`), stopped by `stop()`.
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { Kafka, logLevel } from "kafkajs";
import type { KafkaClientConfig } from "../../../src/connectors/kafka/index.js";
import { ROOT } from "../../support/cli.js";

/** How to reach a SASL_SSL listener: what `scripts/kafka.sh secure` prints. */
export interface SecureListener {
  /** Its bootstrap address, `host:port`. */
  brokers: string;
  /** The path of the CA certificate (PEM) that signed the broker's certificate. */
  ca: string;
  /** kafkajs's name of the SASL mechanism: `scram-sha-512`. */
  mechanism: "scram-sha-512";
  username: string;
  password: string;
}

/** A secured listener, and how to let go of it. */
export interface SecureBroker {
  listener: SecureListener;
  /** The CA certificate's PEM text. */
  caPem: string;
  /** kafkajs client options for it; `password` instead of the right one if given. */
  clientConfig(password?: string): KafkaClientConfig;
  /** A quiet kafkajs client of it, for setting up and reading back. */
  client(): Kafka;
  /** Stop the broker instance started for the caller, if one was. */
  stop(): Promise<void>;
}

const SCRIPT = join(ROOT, "scripts", "kafka.sh");

async function kafkaSh(command: string, instance?: string): Promise<string> {
  const env = { ...process.env };
  if (instance === undefined) delete env.KAFKA_INSTANCE;
  else env.KAFKA_INSTANCE = instance;
  const { stdout } = await promisify(execFile)("bash", [SCRIPT, command], { env, timeout: 180_000 });
  return stdout.trim();
}

function parse(text: string, from: string): SecureListener {
  const l = JSON.parse(text) as Partial<SecureListener>;
  if (typeof l.brokers !== "string" || typeof l.ca !== "string" || typeof l.username !== "string" || typeof l.password !== "string") {
    throw new Error(`${from}: not a SASL_SSL listener's JSON (brokers, ca, mechanism, username, password)`);
  }
  return { brokers: l.brokers, ca: l.ca, mechanism: "scram-sha-512", username: l.username, password: l.password };
}

/** Find (or start) a SASL_SSL listener; see the module's comment. */
export async function secureBroker(): Promise<SecureBroker> {
  let listener: SecureListener | undefined;
  let instance: string | undefined;
  const named = process.env.KAFKA_SASL_SSL?.trim();
  if (named) listener = parse(readFileSync(named, "utf8"), `KAFKA_SASL_SSL (${named})`);
  else {
    const shared = await kafkaSh("secure").catch(() => undefined);
    if (shared) listener = parse(shared, "scripts/kafka.sh secure");
    else {
      instance = `security-${process.pid}`;
      await kafkaSh("start", instance);
      listener = parse(await kafkaSh("secure", instance), `KAFKA_INSTANCE=${instance} scripts/kafka.sh secure`);
    }
  }
  const found = listener;
  const caPem = readFileSync(found.ca, "utf8");
  const clientConfig = (password = found.password): KafkaClientConfig => ({
    ssl: { ca: [caPem] },
    sasl: { mechanism: "scram-sha-512", username: found.username, password },
  });
  return {
    listener: found,
    caPem,
    clientConfig,
    client: () => new Kafka({ ...clientConfig(), brokers: [found.brokers], clientId: "sluice-security-test", logLevel: logLevel.NOTHING }),
    stop: async () => {
      if (instance !== undefined) await kafkaSh("stop", instance);
    },
  };
}

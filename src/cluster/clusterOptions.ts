/**
 * Options of a process of a cluster application: several `sluice run`
 * processes sharing one flow through Kafka.
 *
 * @module
 */
import { resolve } from "node:path";
import { BuildError, describeType } from "../errors.js";
import type { KafkaClientConfig } from "../connectors/kafka/config.js";

/**
 * How a process joins a cluster application (Kafka Streams' vocabulary: an
 * application id and bootstrap brokers). Every process of the application
 * runs the same flow with the same `applicationId`, `brokers` and
 * `processes`, each with its own `process` index.
 *
 * The application's work is divided into **tasks**, one per partition of its
 * Kafka input topics: task `p` reads partition `p` of every input topic, of
 * every repartition topic and of the changelog, and commits each epoch in a
 * Kafka transaction of its own. The processes share the tasks through the
 * consumer group `applicationId` (or, with `process` and `processes`, by a
 * static assignment), and each spreads its tasks over its worker threads.
 * See the cluster guide.
 *
 * @category Running
 * @example
 * ```ts
 * const cluster: ClusterOptions = { applicationId: "orders", brokers: ["127.0.0.1:9092"] };
 * await cliMain(import.meta.url, "flow", { workers: 2, epochInterval: 1000, cluster });
 * ```
 */
export interface ClusterOptions {
  /** Names the application: its topics (`<id>-<step>-repartition`, `<id>-changelog`) and transactional ids (`<id>-task-<p>`). */
  applicationId: string;
  /** Bootstrap brokers, `"host:port"`. */
  brokers: string[];
  /**
   * With `processes`: a static assignment, this process's index among the
   * application's `processes`, from 0; it runs the tasks `p` with
   * `p % processes === process`. Without both, the processes share the
   * tasks through the Kafka consumer group `applicationId`: processes may
   * join, leave and die, and the tasks move to the others.
   */
  process?: number;
  /** With `process`: how many processes the application has. */
  processes?: number;
  /**
   * Consumer-group membership: how long a process may go without a
   * heartbeat before its tasks move to the others, in ms (default 10 000;
   * the brokers' `group.min.session.timeout.ms` is its floor).
   */
  sessionTimeout?: number;
  /**
   * The application's task count: the partition count of the repartition
   * and changelog topics Sluice creates. Default: the most partitions of the
   * flow's Kafka input topics, or, once created, that of the changelog.
   * Fixed for the application's life.
   */
  partitions?: number;
  /**
   * A directory where each task this process runs keeps a local cache of its
   * state (a SQLite file per task, under `<stateDir>/<applicationId>/`), so
   * that a task starting where it ran before reads only the end of its
   * changelog (Kafka Streams' `state.dir`). Without it, a task restores from
   * the whole changelog partition.
   */
  stateDir?: string;
  /** Replication factor of the topics Sluice creates (default: the brokers' `default.replication.factor`). */
  replicationFactor?: number;
  /**
   * kafkajs client options (`ssl`, `sasl`, `clientId`, …) for the cluster's
   * own clients (repartition and changelog readers, the tasks' producers,
   * the membership consumer). Default: those of the flow's first
   * `KafkaSource` (else `KafkaSink`). They cross to worker threads, so they
   * must be plain data (no functions).
   */
  clientConfig?: KafkaClientConfig;
}

/** @internal Options after checking, defaults filled in. */
export interface CheckedClusterOptions {
  readonly applicationId: string;
  readonly brokers: string[];
  /** `static`: `process` of `processes`; `group`: the consumer group shares the tasks. */
  readonly membership: "static" | "group";
  readonly process: number;
  readonly processes: number;
  readonly sessionTimeout: number;
  readonly partitions: number | undefined;
  readonly replicationFactor: number;
  readonly stateDir: string | undefined;
  readonly clientConfig: KafkaClientConfig | undefined;
}

/**
 * @internal Check `options.cluster`.
 *
 * @throws BuildError naming the option.
 */
export function checkClusterOptions(options: unknown): CheckedClusterOptions {
  const fail = (problem: string): never => {
    throw new BuildError(`cluster ${problem}`);
  };
  if (typeof options !== "object" || options === null) fail(`options must be an object with applicationId and brokers; got ${describeType(options)}`);
  const o = options as ClusterOptions;
  if (typeof o.applicationId !== "string" || !/^[a-zA-Z0-9._-]+$/.test(o.applicationId)) {
    fail(`\`applicationId\` must be a non-empty string of letters, digits, '.', '_' and '-' (it names Kafka topics); got ${JSON.stringify(o.applicationId)}`);
  }
  if (!Array.isArray(o.brokers) || o.brokers.length === 0 || o.brokers.some((b) => typeof b !== "string" || !/^[^:\s]+:\d+$/.test(b))) {
    fail(`\`brokers\` must be a non-empty array of "host:port"; got ${JSON.stringify(o.brokers)}`);
  }
  const int = (name: string, v: unknown, min: number): number => {
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min) fail(`\`${name}\` must be an integer >= ${min}; got ${String(v)}`);
    return v as number;
  };
  if ((o.process === undefined) !== (o.processes === undefined)) fail("needs both `process` and `processes` (a static assignment), or neither (the consumer group shares the tasks)");
  const processes = int("processes", o.processes ?? 1, 1);
  const processIndex = int("process", o.process ?? 0, 0);
  if (processIndex >= processes) fail(`\`process\` must be below \`processes\` (${processes}); got ${processIndex}`);
  const sessionTimeout = int("sessionTimeout", o.sessionTimeout ?? 10_000, 1);
  const partitions = o.partitions === undefined ? undefined : int("partitions", o.partitions, 1);
  const replicationFactor = o.replicationFactor === undefined ? -1 : int("replicationFactor", o.replicationFactor, 1);
  if (o.stateDir !== undefined && (typeof o.stateDir !== "string" || o.stateDir === "")) fail(`\`stateDir\` must be a directory path; got ${describeType(o.stateDir)}`);
  if (o.clientConfig !== undefined && (typeof o.clientConfig !== "object" || o.clientConfig === null)) fail(`\`clientConfig\` must be an object`);
  const membership = o.process === undefined ? "group" : "static";
  return { applicationId: o.applicationId, brokers: [...o.brokers], membership, process: processIndex, processes, sessionTimeout, partitions, replicationFactor, stateDir: o.stateDir === undefined ? undefined : resolve(o.stateDir), clientConfig: o.clientConfig };
}

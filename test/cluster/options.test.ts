// The cluster options, from the command line and from code, and the flows a
// cluster refuses: checked without a broker.
import { describe, expect, it } from "vitest";
import { BuildError, cliMain, Dataflow } from "../../src/index.js";
import { RecoveryConfig } from "../../src/index.js";
import { TestingSource } from "../../src/testing/index.js";
import { FileSink } from "../../src/connectors/files/index.js";
import { StdOutSink } from "../../src/connectors/stdio/index.js";
import { CliError, parseCli } from "../../src/run/internal/cliArgs.js";
import { checkClusterOptions } from "../../src/cluster/clusterOptions.js";
import { checkClusterFlow } from "../../src/cluster/internal/task.js";
import { compileFlow } from "../../src/run/internal/graph.js";
import { changelogTopic, repartitionTopic, taskTransactionalId, tasksTopic } from "../../src/cluster/internal/topics.js";

const FLOW = "flow.ts";

describe("sluice run's cluster options", () => {
  it("--application-id and --bootstrap-servers make a consumer-group member; --process I/N a static assignment", () => {
    expect(parseCli(["run", FLOW, "--application-id", "orders", "--bootstrap-servers", "k1:9092,k2:9092"], {})).toMatchObject({
      kind: "run",
      cluster: { applicationId: "orders", brokers: ["k1:9092", "k2:9092"] },
    });
    const member = parseCli(["run", FLOW, "--application-id", "orders", "--bootstrap-servers", "k1:9092"], {}) as { cluster: object };
    expect(member.cluster).not.toHaveProperty("process");
    expect(parseCli(["run", FLOW, "--application-id", "orders", "--bootstrap-servers", "k1:9092", "--process", "1/3", "--partitions", "12"], {})).toMatchObject({
      cluster: { process: 1, processes: 3, partitions: 12 },
    });
    expect(
      parseCli(["run", FLOW], { SLUICE_APPLICATION_ID: "orders", SLUICE_BOOTSTRAP_SERVERS: "k1:9092", SLUICE_PROCESS: "0/2" }),
    ).toMatchObject({ cluster: { applicationId: "orders", brokers: ["k1:9092"], process: 0, processes: 2 } });
    expect(parseCli(["run", FLOW, "--application-id", "orders", "--bootstrap-servers", "k1:9092", "--state-dir", "/var/sluice"], {})).toMatchObject({
      cluster: { stateDir: "/var/sluice" },
    });
    expect(parseCli(["run", FLOW], {})).not.toHaveProperty("cluster");
  });

  it("refuses what cannot work, naming the option", () => {
    const bad = (args: string[], message: RegExp): void => {
      expect(() => parseCli(["run", FLOW, ...args], {})).toThrow(CliError);
      expect(() => parseCli(["run", FLOW, ...args], {})).toThrow(message);
    };
    bad(["--application-id", "orders"], /--application-id needs --bootstrap-servers/);
    bad(["--bootstrap-servers", "k1:9092"], /--bootstrap-servers' needs --application-id/);
    bad(["--process", "0/2"], /--process' needs --application-id/);
    bad(["--state-dir", "/var/sluice"], /--state-dir' needs --application-id/);
    bad(["--application-id", "or ders", "--bootstrap-servers", "k1:9092"], /letters, digits/);
    bad(["--application-id", "orders", "--bootstrap-servers", "k1"], /HOST:PORT/);
    bad(["--application-id", "orders", "--bootstrap-servers", "k1:9092", "--process", "3/3"], /I\/N with 0 <= I < N/);
    bad(["--application-id", "orders", "--bootstrap-servers", "k1:9092", "--partitions", "0"], /--partitions' must be a positive integer/);
    bad(["--application-id", "orders", "--bootstrap-servers", "k1:9092", "-r", "dir", "-s", "1", "-b", "0"], /keeps its state in Kafka/);
  });
});

describe("cliMain's cluster option", () => {
  it("fills in the defaults: the consumer group shares the tasks unless process and processes are both given", () => {
    expect(checkClusterOptions({ applicationId: "orders", brokers: ["k1:9092"] })).toMatchObject({
      membership: "group",
      sessionTimeout: 10_000,
      replicationFactor: -1,
      partitions: undefined,
      stateDir: undefined,
    });
    expect(checkClusterOptions({ applicationId: "orders", brokers: ["k1:9092"], stateDir: "state" }).stateDir).toMatch(/^\/.*\/state$/);
    expect(checkClusterOptions({ applicationId: "orders", brokers: ["k1:9092"], process: 2, processes: 3 })).toMatchObject({
      membership: "static",
      process: 2,
      processes: 3,
    });
  });

  it("throws a BuildError naming the option", () => {
    const bad = (options: unknown, message: RegExp): void => expect(() => checkClusterOptions(options)).toThrow(message);
    bad(undefined, /cluster options must be an object/);
    bad({ brokers: ["k1:9092"] }, /`applicationId` must be/);
    bad({ applicationId: "orders", brokers: [] }, /`brokers` must be/);
    bad({ applicationId: "orders", brokers: ["k1:9092"], process: 1 }, /needs both `process` and `processes`/);
    bad({ applicationId: "orders", brokers: ["k1:9092"], process: 3, processes: 3 }, /`process` must be below `processes` \(3\)/);
    bad({ applicationId: "orders", brokers: ["k1:9092"], partitions: 1.5 }, /`partitions` must be an integer >= 1/);
    expect(() => checkClusterOptions({ applicationId: "orders", brokers: ["k1:9092"], sessionTimeout: 0 })).toThrow(BuildError);
  });

  it("refuses recovery and metrics with a cluster before starting anything", async () => {
    const cluster = { applicationId: "orders", brokers: ["127.0.0.1:9"] };
    await expect(cliMain("flow.ts", "flow", { cluster, recovery: new RecoveryConfig("dir") })).rejects.toThrow(/keeps its state in Kafka/);
    await expect(cliMain("flow.ts", "flow", { cluster, metrics: 0 })).rejects.toThrow(/not served by a cluster process yet/);
  });
});

describe("flows in a cluster", () => {
  it("refuses a fixed-partitioned sink other than KafkaSink, naming the step; a dynamic sink is each process's own", () => {
    const flow = new Dataflow("f");
    flow
      .input("in", new TestingSource([1]))
      .map("kv", (x) => ["k", String(x)] as const)
      .output("to_file", new FileSink("/tmp/never-written.txt"));
    expect(() => checkClusterFlow(compileFlow(flow))).toThrow(/output step 'f.to_file' writes to a fixed-partitioned sink/);
    const ok = new Dataflow("g");
    ok.input("in", new TestingSource([1])).map("str", String).output("out", new StdOutSink());
    expect(() => checkClusterFlow(compileFlow(ok))).not.toThrow();
  });

  it("names its topics and transactional ids after the application (characters Kafka refuses become _)", () => {
    expect(repartitionTopic("orders", "orders.totals")).toBe("orders-orders.totals-repartition");
    expect(repartitionTopic("orders", "orders.per user/day")).toBe("orders-orders.per_user_day-repartition");
    expect(changelogTopic("orders")).toBe("orders-changelog");
    expect(tasksTopic("orders")).toBe("orders-tasks");
    expect(taskTransactionalId("orders", 4)).toBe("orders-task-4");
  });
});

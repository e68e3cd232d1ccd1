// Remote functions: StateFun's official Python SDK served over HTTP, driven by
// Sluice as its runtime (request-reply protocol v3), against the same logic
// written as embedded TypeScript functions; and the protocol's edges (state
// registration, batching, retries, failures) against a scripted server.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Dataflow, StepError } from "../../src/index.js";
import { TestingSink, TestingSource, VirtualClock } from "../../src/testing/index.js";
import { runFlow } from "../../src/run/runMain.js";
import { applyFunctions, bind, jsonType, message, remote, types, valueSpec, type BoundFunction, type RemoteModule } from "../../src/functions/index.js";
import { decodeKafkaProducerRecord, decodeToFunction, encodeFromFunction, encodeInt } from "../../src/functions/internal/wire.js";
import type { ToFunction_InvocationBatchRequest } from "../../src/functions/internal/gen/request-reply_pb.js";
import { hours } from "../../src/time.js";
import { afterAdvance, T_START } from "../support/virtualTime.js";
import { startPythonFunctions, type PythonFunctions } from "./support/pythonFunctions.js";

const REMINDER_DELAY_MS = 300;
const TTL_MS = 400;

/** The Python server's greeter (test/functions/python/server.py), as embedded functions. */
function greeterTs(): BoundFunction[] {
  const Reminder = jsonType<{ name: string }>("greeter.types/Reminder");
  const person = bind({
    typename: "greeter.fns/person",
    specs: { visits: valueSpec(types.int) },
    fn(ctx, msg) {
      const user = ctx.self.id;
      if (msg.is(Reminder)) {
        ctx.sendEgress("greeter.io/reminders", `come back soon, ${msg.as(Reminder).name}`, types.string);
        return;
      }
      const visits = (ctx.storage.visits ?? 0) + 1;
      ctx.storage.visits = visits;
      if (visits === 1) ctx.sendAfter(REMINDER_DELAY_MS, message("greeter.fns/person", user, { name: user }, Reminder), `reminder-${user}`);
      else ctx.cancelDelayedMessage(`reminder-${user}`);
      ctx.send(message("greeter.fns/greeter", user, visits, types.int));
    },
  });
  const greeter = bind({
    typename: "greeter.fns/greeter",
    specs: { sent: valueSpec(types.long, { expireAfterCall: hours(1) }) },
    fn(ctx, msg) {
      const user = ctx.self.id;
      const visits = msg.as(types.int);
      const sent = (ctx.storage.sent ?? 0) + 1;
      ctx.storage.sent = sent;
      const greeting = `${visits === 1 ? `Hello ${user}!` : `Hello again ${user}, visit ${visits}!`} #${sent} via ${ctx.caller!.typename}:${ctx.caller!.id}`;
      ctx.sendEgress("greeter.io/greetings", greeting, types.string);
      // What the SDK's kafka_egress_message writes; the Kafka helpers of sluice/functions make the same.
      ctx.sendEgress("greeter.io/kafka", `greetings|${user}|${greeting}`, types.string);
    },
  });
  return [person, greeter];
}

const VISITS = ["ann", "bob", "ann", TestingSource.PAUSE(100), "cat", "ann", TestingSource.PAUSE(500), "bob", "dan", TestingSource.PAUSE(1000)];

/** Run the greeter over VISITS with `modules` on a virtual clock; every egress as text lines. */
async function greeterRun(modules: (BoundFunction | RemoteModule)[]): Promise<string[]> {
  const clock = new VirtualClock(T_START);
  const out: string[] = [];
  const flow = new Dataflow("g");
  const ingress = flow.input("in", new TestingSource(VISITS as string[], 2)).map("msg", (user) => message("greeter.fns/person", user, user, types.string));
  const fns = applyFunctions("fns", ingress, modules);
  fns.egress("greeter.io/greetings", types.string).map("g", (s) => `greeting: ${s}`).output("greetings", new TestingSink(out));
  fns.egress("greeter.io/reminders", types.string).map("r", (s) => `reminder: ${s} @${clock.now() - T_START}`).output("reminders", new TestingSink(out));
  fns
    .egress("greeter.io/kafka")
    .map("k", (e) => {
      if (e.typedValue.typename === types.string.typename) return `kafka: ${types.string.deserialize(e.typedValue.value)}`;
      const r = decodeKafkaProducerRecord(e.typedValue.value);
      return `kafka: ${r.topic}|${r.key}|${new TextDecoder().decode(r.value)}`;
    })
    .output("kafka", new TestingSink(out));
  await afterAdvance(clock, 2000, runFlow(flow, { clock }));
  return out.sort();
}

describe("remote functions on StateFun's Python SDK", () => {
  let python: PythonFunctions;
  beforeAll(async () => {
    python = await startPythonFunctions({ REMINDER_DELAY_MS: String(REMINDER_DELAY_MS), TTL_MS: String(TTL_MS) });
  }, 120_000);
  afterAll(async () => {
    await python?.stop();
  });

  it("run the greeter (state, send, sendAfter, cancellation, egress, Kafka egress) exactly as the same logic embedded", async () => {
    const embedded = await greeterRun(greeterTs());
    const remoteOut = await greeterRun([remote({ url: python.url, typenames: ["greeter.fns/*"] })]);
    expect(remoteOut).toEqual(embedded);
    expect(remoteOut).toEqual([
      "greeting: Hello again ann, visit 2! #2 via greeter.fns/person:ann",
      "greeting: Hello again ann, visit 3! #3 via greeter.fns/person:ann",
      "greeting: Hello again bob, visit 2! #2 via greeter.fns/person:bob",
      "greeting: Hello ann! #1 via greeter.fns/person:ann",
      "greeting: Hello bob! #1 via greeter.fns/person:bob",
      "greeting: Hello cat! #1 via greeter.fns/person:cat",
      "greeting: Hello dan! #1 via greeter.fns/person:dan",
      "kafka: greetings|ann|Hello again ann, visit 2! #2 via greeter.fns/person:ann",
      "kafka: greetings|ann|Hello again ann, visit 3! #3 via greeter.fns/person:ann",
      "kafka: greetings|bob|Hello again bob, visit 2! #2 via greeter.fns/person:bob",
      "kafka: greetings|ann|Hello ann! #1 via greeter.fns/person:ann",
      "kafka: greetings|bob|Hello bob! #1 via greeter.fns/person:bob",
      "kafka: greetings|cat|Hello cat! #1 via greeter.fns/person:cat",
      "kafka: greetings|dan|Hello dan! #1 via greeter.fns/person:dan",
      // Bob came back at 600 ms, after his reminder (300 ms); Ann's was cancelled; Cat's and Dan's fired.
      "reminder: come back soon, bob @300",
      "reminder: come back soon, cat @400",
      "reminder: come back soon, dan @900",
    ].sort());
    expect(python.stderr()).not.toMatch(/Traceback/);
  });

  it("expire a Python function's state as its ValueSpec says (expire_after_write), on the run's clock", async () => {
    const clock = new VirtualClock(T_START);
    const out: string[] = [];
    const flow = new Dataflow("t");
    const items = ["k", TestingSource.PAUSE(100), "k", TestingSource.PAUSE(600), "k", "j"] as string[];
    const ingress = flow.input("in", new TestingSource(items)).map("msg", (id) => message("greeter.fns/ttl", id, id, types.string));
    applyFunctions("fns", ingress, [remote({ url: python.url, typenames: ["greeter.fns/ttl"] })])
      .egress("greeter.io/ttl", types.string)
      .output("out", new TestingSink(out));
    await afterAdvance(clock, 700, runFlow(flow, { clock }));
    // Written at 0 and 100 (lives until 500), gone at 700.
    expect(out).toEqual(["k 1", "k 2", "k 1", "j 1"]);
  });
});

/** A function server answering with `reply(request)`; records every request. */
async function scriptedServer(reply: (req: ToFunction_InvocationBatchRequest, n: number, res: ServerResponse) => Uint8Array | undefined): Promise<{ url: string; requests: ToFunction_InvocationBatchRequest[]; server: Server }> {
  const requests: ToFunction_InvocationBatchRequest[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const to = decodeToFunction(Buffer.concat(chunks));
      if (to.request.case !== "invocation") throw new Error("not an invocation");
      requests.push(to.request.value);
      const body = reply(to.request.value, requests.length, res);
      if (body !== undefined) res.writeHead(200, { "content-type": "application/octet-stream" }).end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/statefun`, requests, server };
}

/** A counter: declares `n` (an int), adds the batch's invocations to it, egresses the total. */
function counterReply(req: ToFunction_InvocationBatchRequest): Uint8Array {
  const n = req.state.find((s) => s.stateName === "n");
  if (n === undefined) {
    return encodeFromFunction({ response: { case: "incompleteInvocationContext", value: { missingValues: [{ stateName: "n", typeTypename: "io.statefun.types/int" }] } } });
  }
  const total = (n.stateValue?.hasValue ? types.int.deserialize(n.stateValue.value) : 0) + req.invocations.length;
  return encodeFromFunction({
    response: {
      case: "invocationResult",
      value: {
        stateMutations: [{ mutationType: 1, stateName: "n", stateValue: { typename: "io.statefun.types/int", hasValue: true, value: encodeInt(total) } }],
        outgoingEgresses: [{ egressNamespace: "test.io", egressType: "out", argument: { typename: "io.statefun.types/string", hasValue: true, value: types.string.serialize(`${req.target!.id} ${total}`) } }],
      },
    },
  });
}

async function runCounter(module: RemoteModule, ids: string[], batchSize = ids.length): Promise<string[]> {
  const out: string[] = [];
  const flow = new Dataflow("r");
  const ingress = flow.input("in", new TestingSource(ids, batchSize)).map("msg", (id) => message("test.fns/counter", id, id, types.string));
  applyFunctions("fns", ingress, [module]).egress("test.io/out", types.string).output("out", new TestingSink(out));
  await runFlow(flow);
  return out;
}

describe("remote functions against a scripted server", () => {
  const servers: Server[] = [];
  afterAll(() => {
    for (const s of servers) s.close();
  });

  it("register lazily declared state and retry; send each address's queued messages as batches of at most maxBatchRequests", async () => {
    const { url, requests, server } = await scriptedServer(counterReply);
    servers.push(server);
    const out = await runCounter(remote({ url, typenames: ["test.fns/counter"], maxBatchRequests: 2 }), ["a", "a", "a", "a", "a", "b"]);
    expect(out.sort()).toEqual(["a 2", "a 4", "a 5", "b 1"]);
    // First request of each address: no state (answered incomplete); then `n` goes with every request.
    // Addresses run concurrently: each address's requests in order.
    const shape = requests.map((r) => `${r.target!.id}:${r.invocations.length}:${r.state.map((s) => `${s.stateName}=${s.stateValue?.hasValue ? types.int.deserialize(s.stateValue.value) : "-"}`).join(",")}`);
    expect(shape.filter((r) => r.startsWith("a:"))).toEqual(["a:2:", "a:2:n=-", "a:2:n=2", "a:1:n=4"]);
    expect(shape.filter((r) => r.startsWith("b:"))).toEqual(["b:1:", "b:1:n=-"]);
    expect(requests[0].invocations[0].argument?.typename).toBe("io.statefun.types/string");
    expect(requests[0].invocations[0].caller).toBeUndefined();
    expect(requests[0].target).toMatchObject({ namespace: "test.fns", type: "counter", id: "a" });
  });

  it("retry 5xx answers with backoff, then go on", async () => {
    const { url, requests, server } = await scriptedServer((req, n, res) => {
      if (n <= 2) {
        res.writeHead(503).end("busy");
        return undefined;
      }
      return counterReply(req);
    });
    servers.push(server);
    expect(await runCounter(remote({ url, typenames: ["test.fns/*"] }), ["a"])).toEqual(["a 1"]);
    // Two 503s, the request answered "incomplete", the one that succeeded.
    expect(requests.length).toBe(4);
  });

  it("fail the step naming the URL and the address when the server cannot be reached before the timeout", async () => {
    const { url, server } = await scriptedServer(counterReply);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const err = (await runCounter(remote({ url, typenames: ["test.fns/counter"], timeout: 300 }), ["a"]).catch((e: unknown) => e)) as StepError;
    expect(err).toBeInstanceOf(StepError);
    expect(err.message).toContain("for key 'test.fns/counter/a'");
    expect(err.message).toContain(`remote function at ${url} failed for 'test.fns/counter/a' after`);
    expect(err.message).toMatch(/ECONNREFUSED/);
  });

  it("fail at once, without retrying, on a 4xx answer", async () => {
    const { url, requests, server } = await scriptedServer((_req, _n, res) => {
      res.writeHead(404).end("no such function");
      return undefined;
    });
    servers.push(server);
    await expect(runCounter(remote({ url, typenames: ["test.fns/counter"] }), ["a"])).rejects.toThrow(`remote function at ${url} failed for 'test.fns/counter/a' after 1 attempt: HTTP 404: no such function`);
    expect(requests.length).toBe(1);
  });

  it("fail on a timeout naming it", async () => {
    const { url, server } = await scriptedServer(() => undefined); // never answers
    servers.push(server);
    await expect(runCounter(remote({ url, typenames: ["test.fns/counter"], timeout: 200 }), ["a"])).rejects.toThrow(/no reply within \d+ ms/);
  });
});

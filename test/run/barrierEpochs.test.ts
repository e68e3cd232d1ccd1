/**
 * One worker of two, in this thread, driven by scripted messages: what the
 * coordinator and the other worker would send, in orders threads can
 * produce. No threads, no timers: the test plays the coordinator and the peer.
 */
import { describe, expect, it } from "vitest";
import { Dataflow, defaultSerde, FixedPartitionedSink, StatefulSinkPartition } from "../../src/index.js";
import { TestingSink, TestingSource } from "../../src/testing/index.js";
import { compileFlow } from "../../src/run/internal/graph.js";
import { Executor } from "../../src/run/internal/executor.js";
import { BarrierEpochs } from "../../src/run/internal/barrierEpochs.js";
import { Resume } from "../../src/run/internal/resume.js";
import { ExchangeSerde } from "../../src/internal/exchange/exchangeSerde.js";
import { systemClock } from "../../src/clock.js";
import { stableHash } from "../../src/internal/hash.js";
import type { FromWorker, PeerMessage } from "../../src/run/internal/protocol.js";
import { CreditChannels } from "../../src/run/internal/channels.js";
import { MessageChannel } from "node:worker_threads";

/** Keys that route to worker 0 of 2 (this one). */
const MINE = ["a", "b", "c", "d", "e", "f", "g", "h"].filter((k) => stableHash(k) % 2 === 0).slice(0, 2);

/** Let the executor run until `done()` holds (it runs between event-loop turns). */
async function until(done: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 10_000; i++) {
    if (done()) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  throw new Error(`gave up waiting for ${what}`);
}

/** Worker 0 of 2 running `count per key` over no input of its own; the peer's items arrive scripted. */
function worker(write?: (items: unknown[]) => Promise<void>) {
  const out: unknown[] = [];
  const flow = new Dataflow("f");
  // The source's only partition belongs to worker 1 (the peer): this worker reads nothing itself.
  flow
    .input("in", new TestingSource<readonly [string, number]>([]))
    .statefulMap("count", (n: number | undefined, _v: number) => [(n ?? 0) + 1, (n ?? 0) + 1] as const)
    .output("out", write === undefined ? new TestingSink(out) : { build: () => ({ writeBatch: (items: unknown[]) => write(items) }) });
  const toCoordinator: FromWorker[] = [];
  const toPeer: PeerMessage[] = [];
  // The channel to the peer (worker 1): this worker sends nothing on it here.
  const { port1, port2 } = new MessageChannel();
  port1.unref();
  port2.unref();
  const channels = new CreditChannels([null, port1], 10);
  const exec = new Executor(compileFlow(flow), {
    worker: 0,
    workerCount: 2,
    clock: systemClock,
    startEpoch: 1,
    peers: channels,
  });
  channels.setEdges(exec.exchanges.length);
  const driver = new BarrierEpochs(exec, { toCoordinator: (m) => toCoordinator.push(m), toPeer: (_w, m) => toPeer.push(m) }, { epochInterval: 1000, storing: true });
  const serde = new ExchangeSerde();
  const peerItems = (epoch: number, items: (readonly [string, number])[]): void => driver.onPeer({ t: 0, edge: 0, epoch, bytes: serde.encode(items), n: items.length }, 1);
  const peerMarker = (epoch: number): void => driver.onPeer({ t: 1, edge: 0, epoch }, 1);
  /** The states this worker snapshotted in `epoch`, decoded. */
  const snapshot = (epoch: number): Record<string, unknown> => {
    const msg = toCoordinator.find((m): m is Extract<FromWorker, { t: "snapshots" }> => m.t === "snapshots" && m.epoch === epoch);
    if (msg === undefined) return {};
    return Object.fromEntries(msg.entries.filter((e) => e.stepId === "f.count.stateful_batch").map((e) => [e.stateKey, defaultSerde.deserialize(e.bytes!)]));
  };
  return { exec, driver, out, toCoordinator, toPeer, peerItems, peerMarker, snapshot };
}

describe("BarrierEpochs (one worker of two, scripted)", () => {
  it("a peer's items and marker of an epoch that arrive before this worker starts its barrier count for that epoch; its next epoch's items wait", async () => {
    const w = worker();
    const [a, b] = MINE;
    await w.exec.open(Resume.none(defaultSerde), () => 1);
    const run = w.exec.run(w.driver);
    // The peer is ahead: its epoch-1 items, its end-of-epoch-1 marker, then items of epoch 2,
    // all before the coordinator's barrier for epoch 1 reaches this worker.
    w.peerItems(1, [[a, 0], [b, 0]]);
    w.peerMarker(1);
    w.peerItems(2, [[a, 0]]);
    await until(() => w.out.length === 2, "the epoch-1 items");
    expect(w.out).toEqual([[a, 1], [b, 1]]);
    w.driver.onCoordinator({ t: "barrier", epoch: 1, doneInputs: [], final: false });
    await until(() => w.toCoordinator.some((m) => m.t === "snapshots" && m.epoch === 1), "the epoch-1 snapshot");
    // Epoch 1 holds the epoch-1 items only: the early epoch-2 item was kept for epoch 2.
    expect(w.snapshot(1)).toEqual({ [a]: 1, [b]: 1 });
    expect(w.toPeer.filter((m) => m.t === 1)).toEqual([{ t: 1, edge: 0, epoch: 1 }]);
    await until(() => w.out.length === 3, "the epoch-2 item");
    expect(w.out[2]).toEqual([a, 2]);
    // The final barrier: the peer's last marker, then the commit.
    w.driver.onCoordinator({ t: "barrier", epoch: 2, doneInputs: ["f.in"], final: true });
    w.peerMarker(2);
    await until(() => w.toCoordinator.some((m) => m.t === "snapshots" && m.epoch === 2), "the epoch-2 snapshot");
    expect(w.snapshot(2)).toEqual({ [a]: 2 });
    w.driver.onCoordinator({ t: "committed", epoch: 2 });
    expect(await run).toBe("eof");
  });

  it("waits in a barrier for the peer's late marker, processing the items that come before it", async () => {
    const w = worker();
    const [a] = MINE;
    await w.exec.open(Resume.none(defaultSerde), () => 1);
    const run = w.exec.run(w.driver);
    w.driver.onCoordinator({ t: "barrier", epoch: 1, doneInputs: [], final: false });
    await until(() => w.toPeer.length === 1, "this worker's marker");
    // The barrier cannot end before the peer's marker: its items still count for epoch 1.
    w.peerItems(1, [[a, 0]]);
    await until(() => w.out.length === 1, "the late item");
    expect(w.toCoordinator.some((m) => m.t === "snapshots")).toBe(false);
    w.peerMarker(1);
    await until(() => w.toCoordinator.some((m) => m.t === "snapshots" && m.epoch === 1), "the epoch-1 snapshot");
    expect(w.snapshot(1)).toEqual({ [a]: 1 });
    w.driver.onCoordinator({ t: "stop" });
    expect(await run).toBe("stopped");
  });

  it("returns a peer's credit once its items are processed (the sink wrote them), not when they arrive", async () => {
    const writes: { items: unknown[]; done: () => void }[] = [];
    const w = worker((items) => new Promise<void>((resolve) => writes.push({ items, done: resolve })));
    const [a, b] = MINE;
    await w.exec.open(Resume.none(defaultSerde), () => 1);
    const run = w.exec.run(w.driver);
    w.peerItems(1, [[a, 0], [b, 0]]);
    await until(() => writes.length === 1, "the sink's write");
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(w.toPeer.filter((m) => m.t === 2)).toEqual([]);
    writes[0].done();
    await until(() => w.toPeer.some((m) => m.t === 2), "the credit");
    expect(w.toPeer.filter((m) => m.t === 2)).toEqual([{ t: 2, edge: 0, n: 2 }]);
    w.driver.onCoordinator({ t: "stop" });
    expect(await run).toBe("stopped");
  });

  it("drops what is queued on a stop: the write in progress ends, no later message is processed, no snapshot is sent", async () => {
    const writes: { items: unknown[]; done: () => void }[] = [];
    const w = worker((items) => new Promise<void>((resolve) => writes.push({ items, done: resolve })));
    const [a] = MINE;
    await w.exec.open(Resume.none(defaultSerde), () => 1);
    const run = w.exec.run(w.driver);
    for (let i = 0; i < 5; i++) w.peerItems(1, [[a, i]]);
    w.peerMarker(1);
    w.driver.onCoordinator({ t: "barrier", epoch: 1, doneInputs: [], final: false });
    await until(() => writes.length === 1, "the first write");
    w.driver.onCoordinator({ t: "stop" });
    writes[0].done();
    expect(await run).toBe("stopped");
    // The four other messages were dropped (a resumed run replays them), and epoch 1 was not snapshotted.
    expect(writes).toHaveLength(1);
    expect(w.toPeer.filter((m) => m.t === 2)).toEqual([{ t: 2, edge: 0, n: 1 }]);
    expect(w.toCoordinator.some((m) => m.t === "snapshots")).toBe(false);
  });

  it("holds a peer's items back while a channel their steps send to is full, and goes on when credit returns", async () => {
    // Two exchanges: the keyed count (edge 0), then the sink's one partition, written by worker 1 (edge 1).
    const sinkKey = "any";
    const counted: unknown[] = [];
    class OnePart extends FixedPartitionedSink<unknown, undefined> {
      listParts(): string[] {
        return ["out"];
      }
      buildPart(): StatefulSinkPartition<unknown, undefined> {
        throw new Error("worker 1 writes the partition, not this one");
      }
    }
    const flow = new Dataflow("f");
    flow
      .input("in", new TestingSource<readonly [string, number]>([]))
      .statefulMap("count", (n: number | undefined, _v: number) => [(n ?? 0) + 1, (n ?? 0) + 1] as const)
      .inspect("seen", (_step, x) => counted.push(x))
      .keyOn("to1", () => sinkKey)
      .output("out", new OnePart());
    const { port1, port2 } = new MessageChannel();
    port1.unref();
    port2.unref();
    const channels = new CreditChannels([null, port1], 4);
    const exec = new Executor(compileFlow(flow), { worker: 0, workerCount: 2, clock: systemClock, startEpoch: 1, peers: channels });
    channels.setEdges(exec.exchanges.length);
    expect(exec.exchangeEdges).toEqual([[1], []]);
    const toPeer: PeerMessage[] = [];
    const driver = new BarrierEpochs(exec, { toCoordinator: () => {}, toPeer: (_w, m) => toPeer.push(m) }, { epochInterval: 1000, storing: false });
    await exec.open(Resume.none(defaultSerde), (stepId) => (stepId.endsWith(".out") ? 1 : 0));
    const run = exec.run(driver);
    // This worker already sent worker 1 four items on edge 1: that channel is full.
    channels.sendItems(1, 1, 1, new ExchangeSerde().encode([[sinkKey, 0], [sinkKey, 0], [sinkKey, 0], [sinkKey, 0]]), 4);
    expect(channels.full([1])).toBe(true);
    const [a] = MINE;
    driver.onPeer({ t: 0, edge: 0, epoch: 1, bytes: new ExchangeSerde().encode([[a, 0]]), n: 1 }, 1);
    await new Promise((resolve) => setTimeout(resolve, 30));
    // Held back: not counted, no credit returned for it.
    expect(counted).toEqual([]);
    expect(toPeer.filter((m) => m.t === 2)).toEqual([]);
    // Worker 1 processed the four items: the channel has room, the held item goes through (and on to worker 1).
    driver.onPeer({ t: 2, edge: 1, n: 4 }, 1);
    await until(() => counted.length === 1, "the held-back item");
    expect(counted).toEqual([[a, 1]]);
    expect(channels.queued(1)).toEqual([0, 1]);
    expect(channels.queuedMax(1)).toEqual([0, 4]);
    await until(() => toPeer.some((m) => m.t === 2), "the credit");
    expect(toPeer.filter((m) => m.t === 2)).toEqual([{ t: 2, edge: 0, n: 1 }]);
    driver.onCoordinator({ t: "stop" });
    expect(await run).toBe("stopped");
  });
});

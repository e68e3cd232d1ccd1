/**
 * One of several workers: the executor's loop plus the exchange inbox and the
 * epoch barrier the coordinator drives.
 *
 * Epochs are aligned across workers. When the coordinator starts the barrier
 * of epoch e, each worker stops reading sources and, exchange by exchange in
 * topological order, waits for the end-of-epoch-e markers of every other
 * worker on the exchanges before it, fires the EOFs that are due, and sends
 * its own marker on the next exchange. MessagePorts are FIFO, so once a
 * worker holds every marker, it holds every item of epoch e sent to it. It
 * then snapshots, sends the snapshots to the coordinator and waits until the
 * epoch is committed. Items a faster worker sends for epoch e+1 meanwhile are
 * kept until this worker reaches e+1.
 *
 * @module
 * @internal
 */
import { AbortExecution } from "../../errors.js";
import type { CompiledFlow } from "./graph.js";
import { Executor, type ExecutorOptions, type RunOutcome } from "./executor.js";
import { ExchangeNode } from "./exchange.js";
import { InputNode } from "./sources.js";
import { FixedSinkNode } from "./sinks.js";
import type { StatefulBatchNode } from "./stateful.js";
import type { FromWorker, PeerMessage, SnapshotMessage, ToWorker } from "./protocol.js";

/** @internal How a worker talks to the coordinator and its peers. */
export interface WorkerChannels {
  toCoordinator(msg: FromWorker): void;
  toPeer(worker: number, msg: PeerMessage): void;
}

type Barrier = Extract<ToWorker, { t: "barrier" }>;

/** @internal */
export class ParallelExecutor extends Executor {
  private readonly inbox: PeerMessage[] = [];
  private readonly later: PeerMessage[] = [];
  private readonly exchanges: ExchangeNode[];
  /** Per exchange edge: how many peers sent their marker for the current epoch. */
  private readonly markers: number[];
  private barrierRequest: Barrier | undefined;
  private committedEpoch = 0;
  private stopping = false;
  private globalDone = new Set<string>();
  private reportedDone = new Set<string>();

  constructor(
    flow: CompiledFlow,
    options: ExecutorOptions,
    private readonly channels: WorkerChannels,
    /** Whether the coordinator stores snapshots; without recovery they are only checked. */
    private readonly storing: boolean,
  ) {
    super(flow, options);
    this.exchanges = this.nodes.filter((n): n is ExchangeNode => n instanceof ExchangeNode);
    this.markers = this.exchanges.map(() => 0);
  }

  /** Partitions of every fixed source and sink this worker can reach. */
  async listParts(): Promise<{ inputs: string[]; parts: Record<string, string[]> }> {
    const parts: Record<string, string[]> = {};
    for (const node of this.nodes) {
      if (node instanceof InputNode) {
        parts[node.stepId] = await node.listParts();
      } else if (node instanceof FixedSinkNode) {
        parts[node.stepId] = await node.listParts();
      }
    }
    return { inputs: this.inputs.map((i) => i.stepId), parts };
  }

  /** A message from another worker. */
  onPeer(msg: PeerMessage): void {
    (msg.epoch > this.ctx.epoch ? this.later : this.inbox).push(msg);
    this.wake();
  }

  /** A message from the coordinator (other than the partition assignment). */
  onCoordinator(msg: ToWorker): void {
    if (msg.t === "barrier") this.barrierRequest = msg;
    else if (msg.t === "committed") this.committedEpoch = msg.epoch;
    else if (msg.t === "stop") this.stopping = true;
    this.wake();
  }

  override async run(): Promise<RunOutcome> {
    let outcome: RunOutcome;
    try {
      outcome = await this.workerLoop();
    } catch (err) {
      if (err instanceof StopRequested) outcome = "stopped";
      else {
        this.abortNodes(err);
        if (err instanceof AbortExecution) return "aborted";
        throw err;
      }
    }
    if (outcome === "stopped") this.abortNodes(new AbortExecution("the run was stopped"));
    return outcome;
  }

  private async workerLoop(): Promise<RunOutcome> {
    const epochInterval = this.options.epochInterval;
    this.reportInputs();
    let waitingForBarrier = false;
    while (true) {
      if (this.stopping) return "stopped";
      await this.processInbox();
      const barrier = this.barrierRequest;
      if (barrier !== undefined) {
        this.barrierRequest = undefined;
        waitingForBarrier = false;
        if (await this.barrier(barrier)) {
          for (const node of this.nodes) await node.close();
          return "eof";
        }
        continue;
      }
      let now = Date.now();
      if (this.timersDue(now)) await this.fireTimers(now);
      let read = false;
      if (!waitingForBarrier) {
        for (const r of this.readers) {
          if (r.done || r.awake > now) continue;
          let n = this.read(r, now);
          if (typeof n !== "number") n = await n;
          if (n > 0) read = true;
          now = Date.now();
          if (this.stopping || this.barrierRequest !== undefined) break;
        }
      }
      if (epochInterval === 0 && read) {
        // Every round of batches is its own epoch: ask for the barrier, read nothing more until it.
        this.channels.toCoordinator({ t: "wantBarrier", worker: this.ctx.worker });
        waitingForBarrier = true;
      }
      if (this.inbox.length > 0 || this.barrierRequest !== undefined || this.stopping) continue;
      let next = Infinity;
      for (const i of this.statefulIndexes) next = Math.min(next, (this.nodes[i] as StatefulBatchNode).nextDue());
      if (!waitingForBarrier) for (const r of this.readers) if (!r.done && r.awake < next) next = r.awake;
      if (next > now) await this.sleep(next - now);
      else await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  /** Inputs end on this worker: tell the coordinator; EOFs fire in a barrier. */
  protected override async inputEnded(_input: InputNode): Promise<void> {
    this.reportInputs();
  }

  private reportInputs(): void {
    const done = this.inputs.filter((i) => i.readers.every((r) => r.done)).map((i) => i.stepId);
    if (done.length === this.reportedDone.size) return;
    this.reportedDone = new Set(done);
    this.channels.toCoordinator({ t: "inputsDone", worker: this.ctx.worker, inputs: done });
  }

  /** Deliver exchange items of the current epoch and count markers. */
  private async processInbox(): Promise<void> {
    while (this.inbox.length > 0) {
      const msg = this.inbox.shift()!;
      if (msg.t === 1) {
        this.markers[msg.edge]++;
        continue;
      }
      const ex = this.exchanges[msg.edge];
      ex.receive(msg.items);
      const r = this.drain(this.nodes.indexOf(ex) + 1);
      if (r !== undefined) await r;
    }
  }

  /** Wait for the next message (or stop), then deliver what arrived. */
  private async nextMessage(): Promise<void> {
    if (this.inbox.length === 0) await this.sleep(Infinity);
    await this.processInbox();
  }

  /** Run the barrier of the current epoch; resolves whether it was the final one. */
  private async barrier(b: Barrier): Promise<boolean> {
    const epoch = this.ctx.epoch;
    if (b.epoch !== epoch) throw new Error(`worker ${this.ctx.worker} is at epoch ${epoch}, the barrier is for ${b.epoch}`);
    this.globalDone = new Set(b.doneInputs);
    const peers = this.ctx.workerCount - 1;
    const stages = [...this.exchanges.map((x) => this.nodes.indexOf(x)), this.nodes.length];
    for (let s = 0; s < stages.length; s++) {
      // Every marker of the exchanges before this stage, so all their items arrived.
      while (!this.markers.slice(0, s).every((m) => m === peers)) {
        if (this.stopping) throw new StopRequested();
        await this.nextMessage();
      }
      await this.fireEofsBefore(stages[s]);
      if (s < this.exchanges.length) {
        for (let w = 0; w < this.ctx.workerCount; w++) {
          if (w !== this.ctx.worker) this.channels.toPeer(w, { t: 1, edge: s, epoch });
        }
      }
    }
    const encoded = this.encodeEpoch(this.storing);
    const entries: SnapshotMessage[] = this.storing ? encoded.map((e) => ({ stepId: e.stepId, stateKey: e.stateKey, bytes: e.bytes })) : [];
    this.channels.toCoordinator({ t: "snapshots", worker: this.ctx.worker, epoch, entries, items: this.itemsRead });
    // The snapshot is taken: go on with the next epoch while the coordinator commits this one
    // (what a crash loses meanwhile is re-done from the last commit). Nodes close only after the final commit.
    while (b.final && this.committedEpoch < epoch) {
      if (this.stopping) throw new StopRequested();
      await this.sleep(Infinity);
    }
    this.markers.fill(0);
    this.ctx.epoch++;
    const next = this.later.splice(0);
    for (const msg of next) (msg.epoch > this.ctx.epoch ? this.later : this.inbox).push(msg);
    return b.final;
  }

  /** Fire EOF of nodes before index `end` whose inputs ended on every worker. */
  private async fireEofsBefore(end: number): Promise<void> {
    for (let i = 0; i < end; i++) {
      if (this.eofDone[i] || !this.upstreamInputs[i].every((inp) => this.globalDone.has(inp.stepId))) continue;
      this.eofDone[i] = true;
      await this.nodes[i].onEof(this.ctx);
      const r = this.drain(i + 1);
      if (r !== undefined) await r;
    }
  }
}

/** @internal Thrown inside a barrier when the coordinator asks to stop. */
export class StopRequested extends Error {}

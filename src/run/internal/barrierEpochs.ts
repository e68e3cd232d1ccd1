/**
 * Epochs of a worker among several: the coordinator starts each epoch's
 * barrier; end-of-epoch markers on every exchange align the workers.
 *
 * When the coordinator starts the barrier of epoch e, each worker stops
 * polling its feeds (sources, and loops: what is in flight on a loop stays
 * in the epoch's snapshot) and, exchange by exchange in topological order,
 * waits for the end-of-epoch-e markers of every other worker on the
 * exchanges before it, fires the EOFs that are due, and sends its own marker
 * on the next exchange. MessagePorts are FIFO, so once a worker holds every
 * marker, it holds every item of epoch e sent to it. It then snapshots,
 * sends the snapshots to the coordinator and goes on with epoch e+1 (it
 * waits for the commit only after the final barrier, before closing the
 * sinks). Items a faster worker sends for epoch e+1 meanwhile are kept
 * until this worker reaches e+1.
 *
 * Flow control (`channels.ts`): what arrives is queued per exchange, in
 * order. A queue's first message is delivered (pushed through the steps
 * after its exchange) unless it holds items and a channel those steps send
 * to is full; markers are never held back by credit, only by the items
 * before them. Once a message's items are processed, their credit goes back
 * to the sender: one credit message per sender and exchange for what one
 * delivery processed (sent before it waits on an asynchronous step, and when
 * it ends), not one per message. A stop drops what is queued: it is
 * replayed from the last commit, and the epoch it belonged to is never
 * committed (this worker sends no snapshot of it).
 *
 * An origin has ended when the coordinator says so in a barrier: an input
 * when it ended on every worker, a loop when its inputs had ended and
 * nothing was in flight on it at the previous barrier.
 *
 * @module
 * @internal
 */
import type { Executor } from "./executor.js";
import type { RuntimeNode } from "./node.js";
import { StopRequested, type EpochDriver } from "./epochDriver.js";
import type { FromWorker, PeerMessage, SnapshotMessage, ToWorker } from "./protocol.js";

/** @internal How a worker talks to the coordinator and its peers. */
export interface WorkerChannels {
  toCoordinator(msg: FromWorker): void;
  toPeer(worker: number, msg: PeerMessage): void;
}

type Barrier = Extract<ToWorker, { t: "barrier" }>;

/** Items or a marker from worker `from`. */
interface Arrival {
  readonly from: number;
  readonly msg: Exclude<PeerMessage, { t: 2 }>;
}

/** @internal The epoch driver of one of several workers. */
export class BarrierEpochs implements EpochDriver {
  /** Per exchange: what arrived for the current epoch, in order. */
  private readonly inbox: Arrival[][];
  /** Messages in `inbox`. */
  private queued = 0;
  /** Messages of epochs after the current one. */
  private readonly later: Arrival[] = [];
  /** Per exchange: how many peers sent their marker for the current epoch. */
  private readonly markers: number[];
  private barrierRequest: Barrier | undefined;
  private committedEpoch = 0;
  private stop = false;
  private waitingForBarrier = false;
  private globalDone = new Set<string>();
  private reportedDone = new Set<string>();
  /** Whether this worker said, this epoch, that its loops are idle. */
  private reportedIdle = false;
  private readonly ended = (origin: RuntimeNode): boolean => this.globalDone.has(origin.stepId);
  /** Per exchange: the index of the node after it (where its delivered items are drained from). */
  private readonly drainFrom: number[];
  /** Per worker, per exchange: items processed whose credit is not sent yet. */
  private readonly pendingCredit: number[][];
  /** Whether `pendingCredit` holds anything. */
  private creditDue = false;

  constructor(
    private readonly exec: Executor,
    private readonly channels: WorkerChannels,
    private readonly options: {
      readonly epochInterval: number;
      /** Whether the coordinator stores snapshots; without recovery they are only checked. */
      readonly storing: boolean;
    },
  ) {
    this.markers = exec.exchanges.map(() => 0);
    this.inbox = exec.exchanges.map(() => []);
    this.drainFrom = exec.exchanges.map((x) => exec.nodes.indexOf(x) + 1);
    this.pendingCredit = Array.from({ length: exec.ctx.workerCount }, () => exec.exchanges.map(() => 0));
  }

  /** A message from worker `from`. */
  onPeer(msg: PeerMessage, from: number): void {
    if (msg.t === 2) this.exec.peers?.credit(from, msg.edge, msg.n);
    else this.arrived({ from, msg });
    this.exec.wake();
  }

  private arrived(a: Arrival): void {
    if (a.msg.epoch > this.exec.ctx.epoch) {
      this.later.push(a);
    } else {
      this.inbox[a.msg.edge].push(a);
      this.queued++;
    }
  }

  /** Whether a queued message can be delivered now (a marker, or items whose downstream channels have room). */
  private deliverable(): boolean {
    if (this.queued === 0) return false;
    const inbox = this.inbox;
    for (let e = 0; e < inbox.length; e++) if (inbox[e].length > 0 && this.mayDeliver(e)) return true;
    return false;
  }

  /** Whether the first message queued on exchange `e` can be delivered. */
  private mayDeliver(e: number): boolean {
    const first = this.inbox[e][0].msg;
    if (first.t === 1) return true;
    const edges = this.exec.exchangeEdges[e];
    return edges.length === 0 || this.exec.peers === undefined || !this.exec.peers.full(edges);
  }

  /** A message from the coordinator (other than the partition assignment). */
  onCoordinator(msg: ToWorker): void {
    if (msg.t === "barrier") this.barrierRequest = msg;
    else if (msg.t === "committed") {
      this.committedEpoch = msg.epoch;
      this.exec.epochCommitted(msg.epoch);
    }
    else if (msg.t === "stop") this.stop = true;
    this.exec.wake();
  }

  async start(): Promise<void> {
    this.reportInputs();
  }

  stopping(): boolean {
    return this.stop;
  }

  beforeRound(): boolean | Promise<boolean> {
    if (this.barrierRequest === undefined && !this.deliverable()) return false;
    return this.deliverAndBarrier();
  }

  /** Deliver what arrived, then run the barrier asked for, if any; whether it was the final one. */
  private async deliverAndBarrier(): Promise<boolean> {
    // What is queued now, not what arrives meanwhile: a peer that keeps sending must not keep this worker from its own feeds.
    await this.deliver(this.queued);
    const barrier = this.barrierRequest;
    if (barrier === undefined) return false;
    this.barrierRequest = undefined;
    this.waitingForBarrier = false;
    return this.barrier(barrier);
  }

  mayRead(): boolean {
    return !this.waitingForBarrier;
  }

  afterBatch(): void {}

  afterRound(_now: number, itemsRead: number): void {
    const worker = this.exec.ctx.worker;
    if (this.options.epochInterval === 0 && itemsRead > 0) {
      // Every round of batches is its own epoch: ask for the barrier, read nothing more until it.
      this.channels.toCoordinator({ t: "wantBarrier", worker });
      this.waitingForBarrier = true;
    }
    if (!this.reportedIdle && this.queued === 0 && this.exec.loops.some((l) => !l.done) && this.exec.loops.every((l) => l.inFlight === 0)) {
      // Nothing in flight on this worker's loops: the coordinator may check with a barrier whether they can end.
      this.reportedIdle = true;
      this.channels.toCoordinator({ t: "idle", worker });
    }
  }

  interrupted(): boolean {
    return this.stop || this.barrierRequest !== undefined || this.deliverable();
  }

  nextWake(): number {
    return Infinity;
  }

  feedEnded(): void {
    this.reportInputs();
  }

  /** Inputs end on this worker: tell the coordinator; EOFs fire in a barrier. */
  private reportInputs(): void {
    const done = this.exec.nodes.filter((n) => n.origin && n.loop() === undefined && n.localEnded()).map((n) => n.stepId);
    if (done.length === this.reportedDone.size) return;
    this.reportedDone = new Set(done);
    this.channels.toCoordinator({ t: "inputsDone", worker: this.exec.ctx.worker, inputs: done });
  }

  /**
   * Deliver what can be delivered of the current epoch (count markers,
   * process items and return their credit), until nothing more can or
   * `limit` messages were. A stop drops the rest: it is replayed from the
   * last commit.
   */
  private async deliver(limit = Infinity): Promise<void> {
    const inbox = this.inbox;
    const exec = this.exec;
    let progressed = true;
    let left = limit;
    try {
      while (progressed && this.queued > 0 && left > 0) {
        progressed = false;
        for (let e = 0; e < inbox.length && left > 0; e++) {
          const queue = inbox[e];
          while (queue.length > 0 && left > 0 && this.mayDeliver(e)) {
            if (this.stop) throw new StopRequested();
            const { from, msg } = queue.shift()!;
            this.queued--;
            left--;
            progressed = true;
            if (msg.t === 1) {
              this.markers[e]++;
              continue;
            }
            const ex = exec.exchanges[e];
            ex.receive(msg.bytes);
            const r = exec.drain(this.drainFrom[e]);
            if (r !== undefined) {
              // Asynchronous steps: what was processed before gets its credit before waiting.
              this.returnCredit();
              await r;
            }
            this.credit(from, e, msg.n);
          }
        }
      }
    } finally {
      this.returnCredit();
    }
  }

  /** `n` items of exchange `edge` from worker `from` were processed: their credit goes back with the others of this delivery. */
  private credit(from: number, edge: number, n: number): void {
    this.pendingCredit[from][edge] += n;
    this.creditDue ||= n > 0;
  }

  /** Send the credit gathered since the last call: one message per worker and exchange, not one per delivered message. */
  private returnCredit(): void {
    if (!this.creditDue) return;
    this.creditDue = false;
    for (let from = 0; from < this.pendingCredit.length; from++) {
      const pending = this.pendingCredit[from];
      for (let edge = 0; edge < pending.length; edge++) {
        const n = pending[edge];
        if (n === 0) continue;
        pending[edge] = 0;
        this.channels.toPeer(from, { t: 2, edge, n });
      }
    }
  }

  /** Wait for a message that can be delivered (or a stop), then deliver what can be. */
  private async nextMessage(): Promise<void> {
    if (this.stop) throw new StopRequested();
    if (!this.deliverable()) await this.exec.sleepUntil(Infinity);
    await this.deliver();
  }

  /** Run the barrier of the current epoch; resolves whether it was the final one. */
  private async barrier(b: Barrier): Promise<boolean> {
    const exec = this.exec;
    const { worker, workerCount, epoch } = exec.ctx;
    if (b.epoch !== epoch) throw new Error(`worker ${worker} is at epoch ${epoch}, the barrier is for ${b.epoch}`);
    this.globalDone = new Set(b.doneInputs);
    for (const loop of exec.loops) if (this.globalDone.has(loop.stepId)) loop.done = true;
    const peers = workerCount - 1;
    const stages = [...exec.exchanges.map((x) => exec.nodes.indexOf(x)), exec.nodes.length];
    for (let s = 0; s < stages.length; s++) {
      // Every marker of the exchanges before this stage, so all their items arrived.
      while (!this.markers.slice(0, s).every((m) => m === peers)) await this.nextMessage();
      await exec.fireEofs(this.ended, stages[s]);
      if (s < exec.exchanges.length) {
        for (let w = 0; w < workerCount; w++) if (w !== worker) this.channels.toPeer(w, { t: 1, edge: s, epoch });
      }
    }
    const encoded = exec.snapshotEpoch(this.options.storing);
    const entries: SnapshotMessage[] = this.options.storing ? encoded.map((e) => ({ stepId: e.stepId, stateKey: e.stateKey, bytes: e.bytes })) : [];
    const inFlight: Record<string, number> = {};
    for (const loop of exec.loops) inFlight[loop.stepId] = loop.inFlight;
    this.channels.toCoordinator({ t: "snapshots", worker, epoch, entries, items: exec.itemsRead, inFlight });
    // The snapshot is taken: go on with the next epoch while the coordinator commits this one
    // (what a crash loses meanwhile is re-done from the last commit). Nodes close only after the final commit.
    while (b.final && this.committedEpoch < epoch) {
      if (this.stop) throw new StopRequested();
      await exec.sleepUntil(Infinity);
    }
    this.markers.fill(0);
    this.reportedIdle = false;
    exec.ctx.epoch++;
    // Nothing may come after the final barrier: a message kept for a later epoch would be lost.
    if (b.final && (this.later.length > 0 || this.queued > 0)) {
      throw new Error(`internal error: worker ${worker} holds exchange messages after the final epoch ${epoch}`);
    }
    for (const a of this.later.splice(0)) this.arrived(a);
    return b.final;
  }
}

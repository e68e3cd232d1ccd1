/**
 * The executor: one worker running one compiled flow. It polls the feeds
 * (source partitions, loops) cooperatively, pushes each batch through the
 * graph, fires timers and EOFs, and snapshots at epoch close. When epochs
 * close, and who commits them, is the job of its {@link EpochDriver}: the
 * loop is the same on one worker and on several.
 *
 * @module
 * @internal
 */
import { AbortExecution } from "../../errors.js";
import type { RunClock } from "../../clock.js";
import type { CompiledFlow } from "./graph.js";
import type { EncodedSnapshot, Feed, Loop, NodeContext, RuntimeNode, SnapshotEntry } from "./node.js";
import { stepFailure } from "./failure.js";
import { checkWithDefaultSerde, defaultSerde } from "../../recovery/serde.js";
import type { ExchangeNode, PeerLink } from "./exchange.js";
import { buildRuntimeGraph, type ClusterGraph } from "./runtimeGraph.js";
import type { Resume } from "./resume.js";
import { StopRequested, type EpochDriver } from "./epochDriver.js";
import { TIME_EVERY } from "./metrics/sample.js";

/** @internal How a run ended. */
export type RunOutcome = "eof" | "aborted" | "stopped";

/** @internal Options of one worker's executor. */
export interface ExecutorOptions {
  readonly worker: number;
  readonly workerCount: number;
  readonly clock: RunClock;
  /**
   * First epoch of the run (the resume epoch with recovery). Known from the
   * start: with several workers, peers' items tagged with it may arrive
   * before this worker has opened its partitions.
   */
  readonly startEpoch: number;
  /** With several workers: how exchanges reach the other workers. */
  readonly peers?: PeerLink | undefined;
  /** In a cluster: how the task's graph differs (see `runtimeGraph.ts`). */
  readonly cluster?: ClusterGraph | undefined;
}

/** The `bytes` of a snapshot that was checked, not encoded (nobody stores it). */
const NOT_ENCODED = new Uint8Array(0);
const NO_LOOPS: Loop[] = [];
/** How often (real ms) a busy loop lets the event loop run other tasks. */
const YIELD_EVERY_MS = 4;

/** The batches of `pending`, as one, leaving it empty. */
function takeAll(pending: unknown[][]): unknown[] {
  const batch = pending.flat();
  pending.length = 0;
  return batch;
}

/** @internal One worker running one compiled flow. */
export class Executor {
  readonly nodes: readonly RuntimeNode[];
  /** The exchanges (several workers only), in topological order. */
  readonly exchanges: readonly ExchangeNode[];
  /** The loops' re-entries. */
  readonly loops: Loop[];
  readonly ctx: NodeContext;
  /** When the loop started (`performance.now()`), and how long it slept since, waiting for input or timers (metrics: the worker's load). */
  loopStartedAt = NaN;
  sleptMs = 0;
  /** What the executor polls, loops first; filled by `open`. */
  private feeds: Feed[] = [];
  /** Per feed: the index of the node after the one its batches enter at (where draining starts). */
  private feedFrom: number[] = [];
  /** Per feed: the exchanges its batches reach (flow control: it is not read while one of their channels is full). */
  private feedEdges: (readonly number[])[] = [];
  /** Per feed: whether its items count as read from a source (not a loop's). */
  private feedCounts: boolean[] = [];
  /** Per feed: items read (progress logs, metrics). */
  feedItems: number[] = [];
  /**
   * With metrics: record the time `node` took on one batch in {@link TIME_EVERY}
   * (ms). Unset, no batch is timed.
   */
  timeBatch: ((node: RuntimeNode, ms: number) => void) | undefined;
  /** Per node, its index. */
  private readonly index: Map<RuntimeNode, number>;
  /** Per node, its `pending` array (the same array for the whole run). */
  private readonly inboxes: readonly unknown[][][];
  /** With several workers: the channels to the other workers. */
  readonly peers: PeerLink | undefined;
  /**
   * Per exchange: the exchanges downstream of it that its delivered items
   * can reach in the same push (flow control: its messages wait while one
   * of their channels is full).
   */
  readonly exchangeEdges: readonly (readonly number[])[];
  private readonly timed: { node: RuntimeNode; index: number }[];
  /** Per node: the origins upstream of it (itself included); its EOF fires when all have ended. */
  private readonly upstream: readonly (readonly RuntimeNode[])[];
  private readonly eofDone: boolean[];
  /** Per loop: the origins upstream of it other than loops, and the loops (itself included). */
  private readonly loopSources: Map<Loop, { inputs: RuntimeNode[]; loops: Loop[] }>;
  /** Whether the nodes were told the run ends without EOF. */
  private aborted = false;
  private waker: (() => void) | undefined;

  constructor(
    private readonly flow: CompiledFlow,
    options: ExecutorOptions,
  ) {
    const graph = buildRuntimeGraph(flow, options);
    this.nodes = graph.nodes;
    this.exchanges = graph.exchanges;
    this.upstream = graph.upstream;
    this.eofDone = this.nodes.map(() => false);
    this.timed = this.nodes.flatMap((node, index) => (node.timed ? [{ node, index }] : []));
    this.index = new Map(this.nodes.map((n, i) => [n, i]));
    this.inboxes = this.nodes.map((n) => n.pending);
    this.peers = options.peers;
    this.exchangeEdges = this.exchanges.map((x) => this.edgesBelow(x));
    this.loops = this.nodes.flatMap((n) => n.loop() ?? []);
    this.loopSources = new Map(
      this.loops.map((loop) => {
        const ups = this.upstream[this.index.get(loop.node)!];
        return [loop, { inputs: ups.filter((u) => u.loop() === undefined), loops: ups.flatMap((u) => u.loop() ?? []) }];
      }),
    );
    this.ctx = { epoch: options.startEpoch, worker: options.worker, workerCount: options.workerCount, clock: options.clock };
  }

  /** The partitions of every partitioned step this worker can reach, by step id (for the partition assignment). */
  async listParts(): Promise<Record<string, string[]>> {
    const parts: Record<string, string[]> = {};
    for (const node of this.nodes) {
      const listed = node.listParts();
      if (listed !== undefined) parts[node.stepId] = await listed;
    }
    return parts;
  }

  /** What the coordinator needs to know of the origins: inputs, and each loop's inputs and loops upstream. */
  originsInfo(): { inputs: string[]; loops: { id: string; inputs: string[]; loops: string[] }[] } {
    return {
      inputs: this.nodes.filter((n) => n.origin && n.loop() === undefined).map((n) => n.stepId),
      loops: this.loops.map((loop) => {
        const s = this.loopSources.get(loop)!;
        return { id: loop.stepId, inputs: s.inputs.map((n) => n.stepId), loops: s.loops.map((l) => l.stepId) };
      }),
    };
  }

  /**
   * Build every partition and restore every key (sinks built so far hear of
   * a failure). `owner`: the worker of a partition of a step.
   */
  async open(resume: Resume, owner: (stepId: string, part: string) => number = () => this.ctx.worker): Promise<void> {
    if (resume.epoch !== this.ctx.epoch) throw new Error(`internal error: resuming at epoch ${resume.epoch}, but the executor starts at ${this.ctx.epoch}`);
    const open = { ctx: this.ctx, states: (stepId: string) => resume.states(stepId), owner, execution: resume.execution };
    try {
      for (const node of this.nodes) await node.open(open);
    } catch (err) {
      this.abortNodes(err);
      throw err;
    }
    // Loops first: what is already in the flow goes before new input.
    this.feeds = [...this.loops, ...this.nodes.flatMap((n) => (n.loop() === undefined ? n.feeds() : []))];
    this.feedFrom = this.feeds.map((f) => this.index.get(f.node)! + 1);
    this.feedCounts = this.feeds.map((f) => f.node.loop() === undefined);
    this.feedEdges = this.feeds.map((f) => this.edgesBelow(f.node));
    this.feedItems = this.feeds.map(() => 0);
  }

  /**
   * The exchanges (their edge numbers) one push from `node` reaches: every
   * exchange downstream of it, not through a loop's re-entry (what is sent
   * back is queued there, and leaves in a later push, when the loop is read).
   */
  private edgesBelow(node: RuntimeNode): number[] {
    const edges: number[] = [];
    const seen = new Set<RuntimeNode>();
    const walk = (n: RuntimeNode): void => {
      for (const targets of n.downs) {
        for (const t of targets) {
          if (seen.has(t)) continue;
          seen.add(t);
          const edge = this.exchanges.indexOf(t as ExchangeNode);
          if (edge >= 0) edges.push(edge);
          if (t.loop() === undefined) walk(t);
        }
      }
    };
    walk(node);
    return edges.sort((a, b) => a - b);
  }

  /** Whether feed `i` must wait: a channel its batches reach is full. */
  private blocked(i: number): boolean {
    const edges = this.feedEdges[i];
    return edges.length > 0 && this.peers !== undefined && this.peers.full(edges);
  }

  /**
   * Run until the driver says the run ended, a source aborts, or the run is
   * stopped. A run that ends without EOF lets its sources and sinks release
   * what they hold (`abort`).
   */
  async run(driver: EpochDriver): Promise<RunOutcome> {
    let outcome: RunOutcome;
    try {
      outcome = await this.loop(driver);
    } catch (err) {
      if (err instanceof StopRequested) {
        outcome = "stopped";
      } else {
        this.abortNodes(err);
        if (err instanceof AbortExecution) return "aborted";
        throw err;
      }
    }
    if (outcome === "stopped") this.abortNodes(new AbortExecution("the run was stopped"));
    return outcome;
  }

  private async loop(driver: EpochDriver): Promise<RunOutcome> {
    const clock = this.ctx.clock;
    await driver.start();
    let lastYield = (this.loopStartedAt = performance.now());
    let rounds = 0;
    // How many rounds between two looks at the clock (a power of two, less one). One
    // worker looks every 32 rounds (a round of small batches is cheap); several look
    // every round: credit and items from the other workers arrive as event-loop
    // tasks, and a round of CPU-heavy batches may take milliseconds, so 32 of them
    // would leave the peers waiting for credit long enough to idle them.
    const roundsPerLook = this.peers === undefined ? 31 : 0;
    // The run's clock is read at those looks too, and at every round after one that slept,
    // read nothing, waited for anything, or brought the items read since the last reading to
    // 1024; in between, a busy loop of small synchronous batches goes on with the time it read
    // last (reading the clock costs as much as a round of one-item batches). The time moves on
    // a virtual clock only while every run sleeps, so its runs see it move exactly as when read
    // every round.
    let now = 0;
    let look = true;
    /** Items read since the clock was last read. */
    let sinceLook = 0;
    for (;;) {
      if (driver.stopping()) return "stopped";
      let ended = driver.beforeRound();
      if (typeof ended !== "boolean") ended = await ended;
      if (ended) {
        for (const node of this.nodes) await node.close();
        return "eof";
      }
      // A feed read in a round is due again at the round's instant.
      const fresh = look;
      if (fresh) {
        now = clock.now();
        sinceLook = 0;
      }
      // A round that waited (an asynchronous step, a sink, a timer) took an unknown time: the next reads the clock.
      let waited = false;
      if (this.nextDue() <= now) {
        await this.fireTimers(now);
        waited = true;
      }
      let read = 0;
      if (driver.mayRead()) {
        const feeds = this.feeds;
        for (let i = 0; i < feeds.length; i++) {
          const feed = feeds[i];
          if (feed.done || feed.awake > now || this.blocked(i)) continue;
          let n = this.read(i, driver, now);
          if (typeof n !== "number") {
            n = await n;
            waited = true;
          }
          if (n > 0) {
            read += n;
            const closed = driver.afterBatch();
            if (closed !== undefined) {
              await closed;
              waited = true;
            }
          }
          if (driver.interrupted()) break;
        }
      }
      const closed = driver.afterRound(now, read);
      if (closed !== undefined) {
        await closed;
        waited = true;
      }
      // Busy with small synchronous batches, the loop goes on with the time it read last, for
      // at most 32 rounds and 1024 items: a round that waited, or many items, read it again.
      sinceLook += read;
      look = read === 0 || waited || sinceLook >= 1024;
      if (driver.interrupted()) {
        look = true;
        continue;
      }
      // One worker that read something goes on: if nothing is due now after all, the next
      // round reads nothing and sleeps then (what is due is found once per sleep, not per round).
      if (read === 0 || roundsPerLook === 0) {
        // Before sleeping, the time as it is (not as a busy stretch left it).
        if (!fresh) now = clock.now();
        let next = Math.min(driver.nextWake(), this.nextDue());
        if (driver.mayRead()) {
          // A blocked feed is woken by the credit that unblocks it (a message from a peer).
          const feeds = this.feeds;
          for (let i = 0; i < feeds.length; i++) if (!feeds[i].done && feeds[i].awake < next && !this.blocked(i)) next = feeds[i].awake;
        }
        if (next > now) {
          await this.sleepUntil(next);
          lastYield = performance.now();
          look = true;
          continue;
        }
      }
      if ((++rounds & roundsPerLook) === 0) {
        look = true;
        if (performance.now() - lastYield >= YIELD_EVERY_MS) {
          // Busy: let the event loop run other tasks (I/O, signals) now and then.
          await new Promise<void>((resolve) => setImmediate(resolve));
          lastYield = performance.now();
        }
      }
    }
  }

  /**
   * Poll feed `i` once and push its batch through the graph (or end it); how
   * many items it read. A Promise only when the source or a step is
   * asynchronous: a synchronous batch costs no microtask turn.
   */
  private read(i: number, driver: EpochDriver, now: number): number | Promise<number> {
    const batch = this.feeds[i].poll(this.ctx);
    return batch instanceof Promise ? batch.then((b) => this.push(i, b, driver, now)) : this.push(i, batch, driver, now);
  }

  private push(i: number, batch: unknown[] | null, driver: EpochDriver, now: number): number | Promise<number> {
    const feed = this.feeds[i];
    if (batch === null) return this.endFeed(feed, driver).then(() => 0);
    feed.schedule(batch.length, now);
    const n = batch.length;
    if (n === 0) return 0;
    this.feedItems[i] += n;
    feed.node.emit(0, batch);
    const pushed = this.drain(this.feedFrom[i]);
    return pushed === undefined ? n : pushed.then(() => n);
  }

  private async endFeed(feed: Feed, driver: EpochDriver): Promise<void> {
    await feed.end();
    if (feed.node.localEnded()) await driver.feedEnded();
  }

  /** Process pending batches of nodes `from..end` in topological order. */
  drain(from: number): void | Promise<void> {
    const nodes = this.nodes;
    // Each node's `pending`, read from one array: nodes are of many classes, and reading a
    // field of each would cost a megamorphic load per node and batch (most nodes of a
    // fused chain never have a batch).
    const inboxes = this.inboxes;
    for (let i = from; i < nodes.length; i++) {
      const pending = inboxes[i];
      if (pending.length === 0) continue;
      // `pop`, not `length = 0`: setting an array's length is a call into the runtime.
      const batch = pending.length === 1 ? pending.pop()! : takeAll(pending);
      const node = nodes[i];
      node.itemsIn += batch.length;
      if (++node.batches % TIME_EVERY === 0 && this.timeBatch !== undefined) return this.drainTimed(i, node, batch);
      const r = node.process(batch, this.ctx);
      if (r !== undefined) return r.then(() => this.drain(i + 1));
    }
  }

  /** `drain` from node `i` on, timing node `i`'s batch. */
  private drainTimed(i: number, node: RuntimeNode, batch: unknown[]): void | Promise<void> {
    const t0 = performance.now();
    const r = node.process(batch, this.ctx);
    if (r === undefined) {
      this.timeBatch!(node, performance.now() - t0);
      return this.drain(i + 1);
    }
    return r.then(() => {
      this.timeBatch!(node, performance.now() - t0);
      return this.drain(i + 1);
    });
  }

  /** Items this worker read from its sources so far (not loops' items). */
  get itemsRead(): number {
    let n = 0;
    for (let i = 0; i < this.feedItems.length; i++) if (this.feedCounts[i]) n += this.feedItems[i];
    return n;
  }

  /** The feeds (loops first, then source partitions), once open. */
  feedList(): readonly Feed[] {
    return this.feeds;
  }

  /** Earliest pending notification of any node, or `Infinity`. */
  private nextDue(): number {
    let next = Infinity;
    const timed = this.timed;
    for (let k = 0; k < timed.length; k++) {
      const due = timed[k].node.nextDue();
      if (due < next) next = due;
    }
    return next;
  }

  /** Fire due notifications of every node, in topological order. */
  private async fireTimers(now: number): Promise<void> {
    for (const { node, index } of this.timed) {
      if (node.fireDue(now, this.ctx)) {
        const r = this.drain(index + 1);
        if (r !== undefined) await r;
      }
    }
  }

  /**
   * Fire `onEof` of every node before index `end` whose upstream origins
   * have all `ended`, in topological order, each once.
   */
  async fireEofs(ended: (origin: RuntimeNode) => boolean, end = this.nodes.length): Promise<void> {
    for (let i = 0; i < end; i++) {
      if (this.eofDone[i] || !this.upstream[i].every(ended)) continue;
      this.eofDone[i] = true;
      await this.nodes[i].onEof(this.ctx);
      const r = this.drain(i + 1);
      if (r !== undefined) await r;
    }
  }

  /** Whether a feed of this worker has not ended. */
  live(): boolean {
    const feeds = this.feeds;
    for (let i = 0; i < feeds.length; i++) if (!feeds[i].done) return true;
    return false;
  }

  /**
   * On one worker: the loops that nothing can feed any more (every input
   * upstream ended, nothing in flight on them or on the loops feeding them),
   * which the driver may end.
   */
  quietLoops(): Loop[] {
    if (this.loopSources.size === 0) return NO_LOOPS;
    const quiet: Loop[] = [];
    for (const [loop, { inputs, loops }] of this.loopSources) {
      if (!loop.done && inputs.every((n) => n.localEnded()) && loops.every((l) => l.inFlight === 0)) quiet.push(loop);
    }
    return quiet;
  }

  /**
   * Snapshot what changed this epoch and encode it with the flow's serde.
   * With `needBytes` false, a state the default serde's check accepts is not
   * encoded (its `bytes` are empty): the same errors, for less work.
   */
  snapshotEpoch(needBytes: boolean): EncodedSnapshot[] {
    const serde = this.flow.stateSerde;
    const checkOnly = !needBytes && serde === defaultSerde;
    const entries: SnapshotEntry[] = [];
    const check = checkOnly ? checkWithDefaultSerde : undefined;
    for (const node of this.nodes) node.snapshot(entries, needBytes, check);
    const encoded: EncodedSnapshot[] = new Array(entries.length);
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i];
      let bytes: Uint8Array | null = null;
      if (!e.discarded) {
        try {
          if (checkOnly) {
            checkWithDefaultSerde(e.state);
            bytes = NOT_ENCODED;
          } else {
            bytes = serde.serialize(e.state);
          }
        } catch (err) {
          throw stepFailure(err, "snapshot", e.userStepId, e.keyed ? { key: e.stateKey } : { partition: e.stateKey });
        }
      }
      encoded[i] = { stepId: e.stepId, stateKey: e.stateKey, state: e.state, bytes };
    }
    return encoded;
  }

  /** Tell every node that the snapshots of `epoch` (and of the epochs before it) are committed. */
  epochCommitted(epoch: number): void {
    for (const node of this.nodes) node.committed(epoch);
  }

  /** Tell every node the run ends without EOF (best effort, once per run). */
  private abortNodes(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    for (const node of this.nodes) node.abort(reason);
  }

  /** Sleep until `at` on the run's clock, or until `wake()` is called. */
  sleepUntil(at: number): Promise<void> {
    const sleep = this.ctx.clock.sleepUntil(at);
    this.waker = sleep.wake;
    const t0 = performance.now();
    return sleep.done.then(() => {
      this.sleptMs += performance.now() - t0;
      if (this.waker === sleep.wake) this.waker = undefined;
    });
  }

  /** End the current sleep now (a message arrived, the run stops). */
  wake(): void {
    this.waker?.();
  }
}

/**
 * The single-worker executor: polls source partitions cooperatively, pushes
 * each batch through the compiled graph, closes epochs and fires EOF.
 *
 * @module
 * @internal
 */
import { AbortExecution } from "../../errors.js";
import type { CompiledFlow, CoreNode } from "./graph.js";
import { RuntimeNode, type EncodedSnapshot, type RunContext, type SnapshotEntry } from "./node.js";
import { StatefulBatchNode } from "./stateful.js";
import { BranchNode, FlatMapBatchNode, ForwardNode, InspectNode, toArray } from "./stateless.js";
import { DynamicSinkNode, FixedSinkNode, type ResumeStates } from "./sinks.js";
import { InputNode, type PartitionReader } from "./sources.js";
import { isThenable, stepFailure } from "./failure.js";
import { isFixedPartitionedSink } from "../../outputs/sink.js";
import { stableHash } from "../../internal/hash.js";
import { checkWithDefaultSerde, defaultSerde } from "../../recovery/serde.js";
import { ExchangeNode, routeFor, type PeerLink } from "./exchange.js";

/** @internal How a run ended. */
export type RunOutcome = "eof" | "aborted" | "stopped";

/** @internal Options of one worker's executor. */
export interface ExecutorOptions {
  /** Epoch length in ms; 0 makes every source batch its own epoch. */
  readonly epochInterval: number;
  /** First epoch of this run (the resume epoch with recovery, else 1). */
  readonly startEpoch?: number;
  readonly worker: number;
  readonly workerCount: number;
  /** Resume states of a step's partitions or keys. */
  readonly resumeStates?: (stepId: string) => ResumeStates;
  /** Receives the changed states of each closed epoch; awaited before the next batch. */
  readonly onEpochClose?: (epoch: number, entries: EncodedSnapshot[]) => void | Promise<void>;
  /** Told each closed epoch, after `onEpochClose`, with how many snapshots that got (`undefined` without it). */
  readonly afterEpoch?: (epoch: number, snapshots: number | undefined) => void;
  /** Stops the run at the next batch boundary, without closing the epoch. */
  readonly signal?: AbortSignal | undefined;
  /** With several workers: how exchanges reach the other workers. */
  readonly peers?: PeerLink;
  /** With several workers: the worker owning a partition of a source or sink step. */
  readonly partitionOwner?: (stepId: string, part: string) => number;
}

const NO_RESUME: ResumeStates = new Map();
/** The `bytes` of a snapshot that was checked, not encoded (nobody stores it). */
const NOT_ENCODED = new Uint8Array(0);
const YIELD_EVERY_MS = 4;

function makeNode(n: CoreNode): RuntimeNode {
  const s = n.spec;
  switch (s.kind) {
    case "input":
      return new InputNode(n.stepId, n.userStepId, s.source);
    case "output":
      return isFixedPartitionedSink(s.sink)
        ? new FixedSinkNode(n.stepId, n.userStepId, s.sink)
        : new DynamicSinkNode(n.stepId, n.userStepId, s.sink);
    case "flatMapBatch":
      return new FlatMapBatchNode(n.stepId, n.userStepId, s.mapper, s.fn, s.perItem);
    case "branch":
      return new BranchNode(n.stepId, n.userStepId, s.predicate, s.fn);
    case "merge":
      return new ForwardNode(n.stepId, n.userStepId);
    case "redistribute":
      return new ForwardNode(n.stepId, n.userStepId, true);
    case "inspectDebug":
      return new InspectNode(n.stepId, n.userStepId, s.inspector, s.fn);
    case "statefulBatch":
      return new StatefulBatchNode(n.stepId, n.userStepId, s.builder, s.fn, s.unordered === true);
  }
}

/** The resume states of the keys `worker` is responsible for: `stableHash(key) % workerCount`. */
function ownedKeys(states: ResumeStates, worker: number, workerCount: number): ResumeStates {
  if (workerCount === 1) return states;
  const mine = new Map<string, unknown>();
  for (const [key, state] of states) if (stableHash(key) % workerCount === worker) mine.set(key, state);
  return mine;
}

/** @internal One worker running one compiled flow. */
export class Executor {
  protected readonly nodes: RuntimeNode[];
  protected readonly inputs: InputNode[];
  /** Indexes of the stateful nodes, in topological order. */
  protected readonly statefulIndexes: number[];
  protected readers: PartitionReader[] = [];
  /** Whether the nodes were told the run ends without EOF. */
  private aborted = false;
  /** Items this worker read from its source partitions so far (for progress logs). */
  itemsRead = 0;
  /** Per node: the inputs upstream of it; its EOF fires when all have ended. */
  protected readonly upstreamInputs: InputNode[][];
  protected readonly eofDone: boolean[];
  protected readonly ctx: RunContext;

  constructor(
    protected readonly flow: CompiledFlow,
    protected readonly options: ExecutorOptions,
  ) {
    this.nodes = flow.nodes.map(makeNode);
    this.inputs = this.nodes.filter((n): n is InputNode => n instanceof InputNode);
    this.statefulIndexes = this.nodes.flatMap((n, i) => (n instanceof StatefulBatchNode ? [i] : []));
    const producer = new Map<string, { node: number; port: number }>();
    flow.nodes.forEach((n, i) => n.downs.forEach((s, port) => producer.set(s, { node: i, port })));
    this.upstreamInputs = [];
    flow.nodes.forEach((n, i) => {
      const ups = new Set<InputNode>();
      if (this.nodes[i] instanceof InputNode) ups.add(this.nodes[i] as InputNode);
      for (const s of n.ups) {
        const p = producer.get(s)!;
        this.nodes[p.node].downs[p.port].push(this.nodes[i]);
        for (const inp of this.upstreamInputs[p.node]) ups.add(inp);
      }
      this.upstreamInputs.push([...ups]);
    });
    if (options.workerCount > 1) this.spliceExchanges();
    this.fuseChains();
    this.eofDone = this.nodes.map(() => false);
    this.ctx = { epoch: options.startEpoch ?? 1, worker: options.worker, workerCount: options.workerCount };
  }

  /** Run every chain of per-item steps (each the only consumer of the one before) as one loop. */
  private fuseChains(): void {
    const absorbed = new Set<RuntimeNode>();
    for (const node of this.nodes) {
      if (!(node instanceof FlatMapBatchNode) || node.perItem === undefined || absorbed.has(node)) continue;
      const next: FlatMapBatchNode[] = [];
      let last: RuntimeNode = node;
      while (last.downs[0].length === 1) {
        const down = last.downs[0][0];
        if (!(down instanceof FlatMapBatchNode) || down.perItem === undefined) break;
        next.push(down);
        absorbed.add(down);
        last = down;
      }
      if (next.length > 0) node.fuse(next);
    }
  }

  /**
   * With several workers, put an exchange in front of every node that needs
   * its items on a particular worker: stateful steps (by key), redistribute
   * (evenly) and fixed-partitioned sinks (on the partition's worker).
   */
  private spliceExchanges(): void {
    const link = this.options.peers;
    if (link === undefined) throw new Error("several workers need a peer link");
    const out: RuntimeNode[] = [];
    const ups: InputNode[][] = [];
    for (let i = 0; i < this.nodes.length; i++) {
      const node = this.nodes[i];
      const route = routeFor(node);
      if (route !== undefined) {
        const ex = new ExchangeNode(node, route, link, this.options.worker, this.options.workerCount);
        for (const producer of this.nodes) {
          for (const targets of producer.downs) {
            for (let t = 0; t < targets.length; t++) if (targets[t] === node) targets[t] = ex;
          }
        }
        ex.downs[0].push(node);
        out.push(ex);
        ups.push(this.upstreamInputs[i]);
      }
      out.push(node);
      ups.push(this.upstreamInputs[i]);
    }
    this.nodes.splice(0, this.nodes.length, ...out);
    let edge = 0;
    for (const n of this.nodes) if (n instanceof ExchangeNode) n.edge = edge++;
    this.upstreamInputs.splice(0, this.upstreamInputs.length, ...ups);
    this.statefulIndexes.splice(0, this.statefulIndexes.length, ...this.nodes.flatMap((n, i) => (n instanceof StatefulBatchNode ? [i] : [])));
  }

  /** Build every source and sink partition (sinks built so far hear of a failure). */
  async open(): Promise<void> {
    try {
      await this.openNodes();
    } catch (err) {
      this.abortNodes(err);
      throw err;
    }
  }

  protected async openNodes(): Promise<void> {
    const resume = this.options.resumeStates ?? (() => NO_RESUME);
    const { worker, workerCount } = this.options;
    const owner = this.options.partitionOwner ?? (() => worker);
    for (const node of this.nodes) {
      if (node instanceof InputNode) await node.open(resume(node.stepId), worker, workerCount, (part) => owner(node.stepId, part) === worker);
      else if (node instanceof FixedSinkNode) await node.open(resume(node.stepId), worker, (part) => owner(node.stepId, part));
      else if (node instanceof DynamicSinkNode) await node.open(worker, workerCount);
      else if (node instanceof StatefulBatchNode) node.open(ownedKeys(resume(node.stepId), worker, workerCount), this.ctx);
    }
    this.readers = this.inputs.flatMap((i) => i.readers);
  }

  /**
   * Run until every input ends, a source aborts, or the signal stops it. A
   * run that ends without EOF lets its sources and sinks release what they
   * hold (`abort`).
   */
  async run(): Promise<RunOutcome> {
    let outcome: RunOutcome;
    try {
      outcome = await this.loop();
    } catch (err) {
      this.abortNodes(err);
      if (err instanceof AbortExecution) return "aborted";
      throw err;
    }
    if (outcome === "stopped") this.abortNodes(new AbortExecution("the run was stopped"));
    return outcome;
  }

  /** Tell every node the run ends without EOF (best effort, once per run). */
  protected abortNodes(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    for (const node of this.nodes) node.abort(reason);
  }

  private async loop(): Promise<RunOutcome> {
    const { epochInterval, signal } = this.options;
    await this.fireEofs();
    let deadline = epochInterval > 0 ? Date.now() + epochInterval : Infinity;
    let lastYield = Date.now();
    while (true) {
      if (signal?.aborted) return "stopped";
      let now = Date.now();
      if (this.timersDue(now)) await this.fireTimers(now);
      for (const r of this.readers) {
        if (r.done || r.awake > now) continue;
        let read = this.read(r, now);
        if (typeof read !== "number") read = await read;
        if (read > 0 && epochInterval === 0) await this.closeEpoch();
        now = Date.now();
        if (signal?.aborted) return "stopped";
      }
      if (now >= deadline) {
        await this.closeEpoch();
        deadline = now + epochInterval;
      }
      let next = deadline;
      for (const i of this.statefulIndexes) next = Math.min(next, (this.nodes[i] as StatefulBatchNode).nextDue());
      let live = false;
      for (const r of this.readers) {
        if (r.done) continue;
        live = true;
        if (r.awake < next) next = r.awake;
      }
      if (!live) break;
      if (next > now) {
        await this.sleep(next === Infinity ? 1 : next - now);
        lastYield = Date.now();
      } else if (now - lastYield >= YIELD_EVERY_MS) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        lastYield = Date.now();
      }
    }
    await this.closeEpoch();
    for (const node of this.nodes) await node.close();
    return "eof";
  }

  /**
   * Poll `r` once and push its batch through the graph (or end it); how many
   * items it read. A Promise only when the source or a step is asynchronous:
   * a synchronous batch costs no microtask turn.
   */
  protected read(r: PartitionReader, now: number): number | Promise<number> {
    const batch = this.poll(r);
    return isThenable(batch) ? batch.then((b) => this.push(r, b, now)) : this.push(r, batch, now);
  }

  private push(r: PartitionReader, batch: unknown[] | null, now: number): number | Promise<number> {
    r.touched = true;
    if (batch === null) return this.endPartition(r).then(() => 0);
    r.schedule(batch.length, now);
    const n = batch.length;
    if (n === 0) return 0;
    this.itemsRead += n;
    r.input.emit(0, batch);
    const pushed = this.drain(0);
    return pushed === undefined ? n : pushed.then(() => n);
  }

  /** Read a batch of `r`: an array, `null` at its end, or a Promise of either when the source is async. */
  protected poll(r: PartitionReader): unknown[] | null | Promise<unknown[] | null> {
    let res: unknown;
    try {
      res = r.part.nextBatch();
    } catch (err) {
      throw this.pollFailure(err, r);
    }
    if (isThenable(res)) {
      return Promise.resolve(res).then(
        (x) => this.checkBatch(x, r),
        (err: unknown) => {
          throw this.pollFailure(err, r);
        },
      );
    }
    return this.checkBatch(res, r);
  }

  private checkBatch(res: unknown, r: PartitionReader): unknown[] | null {
    if (res === null || Array.isArray(res)) return res;
    try {
      return toArray(res, "nextBatch", `partition '${r.name}'`);
    } catch (err) {
      throw this.pollFailure(err, r);
    }
  }

  /** What a failed `nextBatch` of `r` throws: `AbortExecution` as is, else a `StepError`. */
  private pollFailure(err: unknown, r: PartitionReader): unknown {
    if (err instanceof AbortExecution) return err;
    return stepFailure(err, "nextBatch", r.input.userStepId, { partition: r.name, epoch: this.ctx.epoch });
  }

  protected async endPartition(r: PartitionReader): Promise<void> {
    r.done = true;
    try {
      await r.part.close?.();
    } catch (err) {
      throw stepFailure(err, "close", r.input.userStepId, { partition: r.name });
    }
    if (r.input.readers.every((x) => x.done)) await this.inputEnded(r.input);
  }

  /** All of this worker's partitions of `input` have ended. */
  protected async inputEnded(_input: InputNode): Promise<void> {
    await this.fireEofs();
  }

  /** Process pending batches of nodes `from..end` in topological order. */
  protected drain(from: number): void | Promise<void> {
    const nodes = this.nodes;
    for (let i = from; i < nodes.length; i++) {
      const node = nodes[i];
      const pending = node.pending;
      if (pending.length === 0) continue;
      const batch = pending.length === 1 ? pending[0] : pending.flat();
      node.pending = [];
      const r = node.process(batch, this.ctx);
      if (r !== undefined) return r.then(() => this.drain(i + 1));
    }
  }

  /** Whether a stateful node has a notification due at `now` (so `fireTimers` has work). */
  protected timersDue(now: number): boolean {
    const indexes = this.statefulIndexes;
    for (let k = 0; k < indexes.length; k++) if ((this.nodes[indexes[k]] as StatefulBatchNode).hasDue(now)) return true;
    return false;
  }

  /** Fire due notifications of every stateful node, in topological order. */
  protected async fireTimers(now: number): Promise<void> {
    for (const i of this.statefulIndexes) {
      if ((this.nodes[i] as StatefulBatchNode).fireDue(now, this.ctx)) {
        const r = this.drain(i + 1);
        if (r !== undefined) await r;
      }
    }
  }

  /** Fire `onEof` of every node whose upstream inputs have all ended, in order. */
  protected async fireEofs(): Promise<void> {
    for (let i = 0; i < this.nodes.length; i++) {
      if (this.eofDone[i] || !this.upstreamInputs[i].every((inp) => inp.readers.every((r) => r.done))) continue;
      this.eofDone[i] = true;
      await this.nodes[i].onEof(this.ctx);
      const r = this.drain(i + 1);
      if (r !== undefined) await r;
    }
  }

  protected async closeEpoch(): Promise<void> {
    const hook = this.options.onEpochClose;
    // Without a consumer (no recovery), snapshots are only checked: a state that could not be snapshotted fails the run all the same.
    const encoded = this.encodeEpoch(hook !== undefined);
    if (hook !== undefined) await hook(this.ctx.epoch, encoded);
    this.options.afterEpoch?.(this.ctx.epoch, hook === undefined ? undefined : encoded.length);
    this.ctx.epoch++;
  }

  /**
   * Snapshot what changed this epoch and encode it with the flow's serde.
   * With `needBytes` false, a state the default serde's check accepts is not
   * encoded (its `bytes` are empty): the same errors, for less work.
   */
  protected encodeEpoch(needBytes = true): EncodedSnapshot[] {
    const entries: SnapshotEntry[] = [];
    for (const node of this.nodes) node.snapshot(entries, needBytes);
    const serde = this.flow.stateSerde;
    const checkOnly = !needBytes && serde === defaultSerde;
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
          const isKey = this.nodes.some((n) => n instanceof StatefulBatchNode && n.stepId === e.stepId);
          throw stepFailure(err, "snapshot", e.userStepId, isKey ? { key: e.stateKey } : { partition: e.stateKey });
        }
      }
      encoded[i] = { stepId: e.stepId, stateKey: e.stateKey, state: e.state, bytes };
    }
    return encoded;
  }

  /** Sleep `ms` (Infinity: until woken), or until the signal aborts or `wake()` is called. */
  protected sleep(ms: number): Promise<void> {
    const signal = this.options.signal;
    return new Promise((resolve) => {
      const done = (): void => {
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        this.waker = undefined;
        resolve();
      };
      const timer = ms === Infinity ? undefined : setTimeout(done, Math.max(1, Math.ceil(ms)));
      signal?.addEventListener("abort", done, { once: true });
      this.waker = done;
    });
  }

  private waker: (() => void) | undefined;

  /** End the current `sleep` now (a message arrived). */
  wake(): void {
    this.waker?.();
  }
}

/**
 * The runtime graph of one worker: a node per core operator of the compiled
 * flow, wired port to port, with an exchange in front of every node whose
 * items must reach a particular worker (several workers only), chains of
 * per-item steps fused, and for every node the origins upstream of it.
 *
 * @module
 * @internal
 */
import type { CompiledFlow, CoreNode } from "./graph.js";
import type { Route, RuntimeNode } from "./node.js";
import { StatefulBatchNode } from "./stateful.js";
import { BranchNode, FlatMapBatchNode, ForwardNode, InspectNode, PerItemNode, RedistributeNode } from "./stateless.js";
import { DynamicSinkNode, FixedSinkNode } from "./sinks.js";
import { InputNode } from "./sources.js";
import { FeedbackNode } from "./feedback.js";
import { isFixedPartitionedSink, partitionedViewOf } from "../../outputs/sink.js";
import { ExchangeNode, type PeerLink } from "./exchange.js";
import { ExchangeSerde } from "../../internal/exchange/exchangeSerde.js";

/** @internal A worker's nodes, in topological order (loops' re-entries count as origins). */
export interface RuntimeGraph {
  readonly nodes: readonly RuntimeNode[];
  /** The exchanges among `nodes`, in order: exchange `i` is edge `i` of the barrier markers. */
  readonly exchanges: readonly ExchangeNode[];
  /** Per node: the origins upstream of it (itself, if it is one); its EOF fires when all have ended. */
  readonly upstream: readonly (readonly RuntimeNode[])[];
}

/** @internal Where the graph runs. */
export interface GraphPlace {
  readonly worker: number;
  readonly workerCount: number;
  /** With several workers: how exchanges reach the other workers. */
  readonly peers?: PeerLink | undefined;
  /** In a cluster (one task of an application): how the task's graph differs from a worker's. */
  readonly cluster?: ClusterGraph | undefined;
}

/**
 * @internal How a cluster task's graph differs: some nodes are its own
 * (Kafka sinks in the task's transaction, inputs read by another task), and
 * a repartition through Kafka stands where an exchange stands with several
 * workers.
 */
export interface ClusterGraph {
  /** The task's own node for `n`, or `undefined` for the usual one. */
  makeNode(n: CoreNode): RuntimeNode | undefined;
  /** The repartition in front of `node`: what its upstream now writes to, and the origin it now reads from. */
  repartition(node: RuntimeNode, route: Route): { readonly out: RuntimeNode; readonly source: RuntimeNode };
}

function makeNode(n: CoreNode): RuntimeNode {
  const s = n.spec;
  switch (s.kind) {
    case "input":
      return new InputNode(n.stepId, n.userStepId, s.source);
    case "output": {
      if (isFixedPartitionedSink(s.sink)) return new FixedSinkNode(n.stepId, n.userStepId, s.sink);
      const view = partitionedViewOf(s.sink);
      return view !== undefined ? new FixedSinkNode(n.stepId, n.userStepId, view.sink, view.key) : new DynamicSinkNode(n.stepId, n.userStepId, s.sink);
    }
    case "flatMapBatch":
      return s.perItem !== undefined
        ? new PerItemNode(n.stepId, n.userStepId, s.perItem, s.fn)
        : new FlatMapBatchNode(n.stepId, n.userStepId, s.mapper, s.fn, s.pure === true);
    case "branch":
      return new BranchNode(n.stepId, n.userStepId, s.predicate, s.fn);
    case "merge":
      return new ForwardNode(n.stepId, n.userStepId);
    case "redistribute":
      return new RedistributeNode(n.stepId, n.userStepId);
    case "inspectDebug":
      return new InspectNode(n.stepId, n.userStepId, s.inspector, s.fn);
    case "statefulBatch":
      return new StatefulBatchNode(n.stepId, n.userStepId, s.builder, s.fn, s.unordered === true, s.concurrency ?? 0);
    case "feedback":
      return new FeedbackNode(n.stepId, n.userStepId);
  }
}

/** @internal Build the runtime graph of `flow` for one worker. */
export function buildRuntimeGraph(flow: CompiledFlow, place: GraphPlace): RuntimeGraph {
  const cluster = place.cluster;
  const nodes = flow.nodes.map((n) => cluster?.makeNode(n) ?? makeNode(n));
  const producer = new Map<string, { node: number; port: number }>();
  flow.nodes.forEach((n, i) => n.downs.forEach((s, port) => producer.set(s, { node: i, port })));
  flow.nodes.forEach((n, i) => {
    for (const s of n.ups) {
      const p = producer.get(s)!;
      nodes[p.node].downs[p.port].push(nodes[i]);
    }
  });
  const exchanges: ExchangeNode[] = [];
  const all =
    cluster !== undefined ? withRepartitions(nodes, cluster) : place.workerCount > 1 ? withExchanges(nodes, exchanges, flow, place) : nodes;
  const upstream = upstreamOrigins(all);
  // After the origins are known: a fused node keeps the downstream nodes of the chain in the graph.
  for (const node of all) {
    while (node.downs[0]?.length === 1) {
      const next = node.downs[0][0];
      if (!node.absorb(next)) break;
      next.absorbed = true;
    }
  }
  return { nodes: all, exchanges, upstream };
}

/**
 * With several workers, put an exchange in front of every node whose items
 * must reach a particular worker (its `route`); the exchanges are added to
 * `exchanges` in order.
 */
function withExchanges(nodes: RuntimeNode[], exchanges: ExchangeNode[], flow: CompiledFlow, place: GraphPlace): RuntimeNode[] {
  const link = place.peers;
  if (link === undefined) throw new Error("several workers need a peer link");
  const serde = new ExchangeSerde(flow.exchangeClasses);
  const out: RuntimeNode[] = [];
  for (const node of nodes) {
    const route = node.route();
    if (route !== undefined) {
      const ex = new ExchangeNode(node, exchanges.length, route, link, serde, place.worker, place.workerCount);
      redirect(nodes, node, ex);
      exchanges.push(ex);
      out.push(ex);
    }
    out.push(node);
  }
  return out;
}

/** Make every edge of `nodes` into `from` go to `to` instead. */
function redirect(nodes: readonly RuntimeNode[], from: RuntimeNode, to: RuntimeNode): void {
  for (const producer of nodes) {
    for (const targets of producer.downs) {
      for (let t = 0; t < targets.length; t++) if (targets[t] === from) targets[t] = to;
    }
  }
}

/**
 * In a cluster, put a repartition in front of every node whose items must
 * reach a particular task: its upstream writes to the repartition topic, and
 * the node reads the task's partition of it.
 */
function withRepartitions(nodes: RuntimeNode[], cluster: ClusterGraph): RuntimeNode[] {
  const out: RuntimeNode[] = [];
  for (const node of nodes) {
    const route = node.route();
    if (route !== undefined) {
      const pair = cluster.repartition(node, route);
      redirect(nodes, node, pair.out);
      pair.source.downs[0].push(node);
      out.push(pair.out, pair.source);
    }
    out.push(node);
  }
  return out;
}

/**
 * Per node, the origins upstream of it (itself, if it is one), following
 * every edge, loops included: a fixed point, as loops feed back.
 */
function upstreamOrigins(nodes: readonly RuntimeNode[]): RuntimeNode[][] {
  const ups = nodes.map((n) => new Set<RuntimeNode>(n.origin ? [n] : []));
  const index = new Map(nodes.map((n, i) => [n, i]));
  let changed = true;
  while (changed) {
    changed = false;
    nodes.forEach((n, i) => {
      for (const targets of n.downs) {
        for (const t of targets) {
          const down = ups[index.get(t)!];
          for (const o of ups[i]) {
            if (down.has(o)) continue;
            down.add(o);
            changed = true;
          }
        }
      }
    });
  }
  return ups.map((s) => [...s]);
}

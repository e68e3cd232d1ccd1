/**
 * `applyFunctions`: stateful functions as a step of a dataflow.
 *
 * @module
 */
import { BuildError, describeType } from "../errors.js";
import type { Stream } from "../dataflow/stream.js";
import { defineOperator, builtin } from "../dataflow/internal/operator.js";
import { coreStatefulBatch, corePerItem } from "../dataflow/internal/core.js";
import { withFlowScope } from "../dataflow/internal/scope.js";
import { feedback } from "../dataflow/operators/feedback.js";
import { merge } from "../dataflow/operators/merge.js";
import { branch } from "../dataflow/operators/branch.js";
import type { BoundFunction } from "./bind.js";
import type { RemoteModule } from "./remote.js";
import { Message, type EgressMessage } from "./message.js";
import { checkTypename, type Type } from "./types.js";
import { addressKey, keyAddress, keyTypename, Instance, type EgressOut, type Envelope, type Handler, type Out, type SendOut } from "./internal/instance.js";
import { embeddedHandler } from "./internal/embedded.js";
import { remoteHandler } from "./internal/remoteHandler.js";

/**
 * Options of {@link applyFunctions}.
 *
 * @category Functions
 */
export interface ApplyFunctionsOptions {
  /** Most addresses handling messages at once on a worker (default 64); one address always handles one message at a time. */
  concurrency?: number;
}

/**
 * What {@link applyFunctions} returns: the egresses' streams.
 *
 * @category Functions
 */
export interface FunctionsResult {
  /**
   * The values functions sent to the egress `typename`, as {@link EgressMessage}s.
   * Call it (once per egress; a second call returns the same stream) before
   * the flow runs: a value sent to an egress nobody took fails the step.
   */
  egress(typename: string): Stream<EgressMessage>;
  /** The values sent to the egress `typename`, read as `type`. */
  egress<T>(typename: string, type: Type<T>): Stream<T>;
}

type Module = BoundFunction | RemoteModule;

/** Which handler serves each typename; duplicates are a BuildError. */
function resolver(stepId: string, modules: readonly Module[]): (typename: string) => Handler | undefined {
  if (!Array.isArray(modules) || modules.length === 0) {
    throw new BuildError(`\`applyFunctions\` step '${stepId}' needs a non-empty list of modules (bind(...) or remote(...)); got ${describeType(modules)}`);
  }
  const exact = new Map<string, Handler>();
  const namespaces = new Map<string, Handler>();
  const claim = (map: Map<string, Handler>, name: string, handler: Handler, shown: string): void => {
    if (map.has(name)) throw new BuildError(`\`applyFunctions\` step '${stepId}': two modules serve '${shown}'`);
    map.set(name, handler);
  };
  for (const m of modules) {
    if (typeof m === "object" && m !== null && m.kind === "embedded") {
      claim(exact, m.typename, embeddedHandler(m), m.typename);
    } else if (typeof m === "object" && m !== null && m.kind === "remote") {
      const handler = remoteHandler(m);
      for (const t of m.typenames) {
        if (t.endsWith("/*")) claim(namespaces, t.slice(0, -2), handler, t);
        else claim(exact, t, handler, t);
      }
    } else {
      throw new BuildError(`\`applyFunctions\` step '${stepId}': a module must be made by bind(...) or remote(...); got ${describeType(m)}`);
    }
  }
  return (typename) => exact.get(typename) ?? namespaces.get(typename.slice(0, typename.indexOf("/")));
}

const isSend = (o: Out): o is SendOut => (o as SendOut).to !== undefined;
/** A typename as part of a step id: `.` is not allowed in one, and pictures of the flow (Mermaid) want plain ids. */
const idPart = (typename: string): string => typename.replace(/[^A-Za-z0-9_-]/g, "_");

/**
 * Run stateful functions (Flink StateFun's model) on the messages of
 * `ingress`: each message goes to the function instance at its target
 * address, which keeps per-address state, sends messages to other
 * instances (now, or after a delay that a cancellation token can cancel)
 * and values to egresses. Functions are TypeScript ({@link bind}) or served
 * over HTTP by any StateFun SDK ({@link remote}), mixed freely.
 *
 * Built on the dataflow: an address is a key of a stateful step (so with
 * several workers an address lives on one worker), messages between
 * functions travel a feedback loop, delayed messages and expiring state are
 * the key's timers on the run's clock. All of it is in the run's snapshots:
 * with recovery, every message is handled exactly once across crashes, and
 * a delayed message is delivered once, after its delay, even when it fell
 * due while the run was down.
 *
 * One address handles one message at a time, in arrival order; different
 * addresses run concurrently (up to `concurrency` per worker). When the
 * ingress ends, the step ends once no message is in flight between
 * functions; delayed messages not yet due stay in the state (with recovery,
 * a later run delivers them when due). A message to a typename no module
 * serves fails the step, naming the typename and the sender.
 *
 * @param stepId - The step's name.
 * @param ingress - Messages from outside ({@link message}).
 * @param modules - The functions: {@link bind} and {@link remote} modules.
 * @param options - `concurrency` (default 64).
 * @returns `egress(typename)` / `egress(typename, type)`: the egresses' streams.
 * @throws {@link sluice!BuildError | BuildError} for a bad module, two modules serving one typename, or a bad option.
 * @category Functions
 * @example
 * ```ts
 * const counter = bind({
 *   typename: "demo.fns/counter",
 *   specs: { n: valueSpec(types.int) },
 *   fn(ctx) {
 *     const n = (ctx.storage.n ?? 0) + 1;
 *     ctx.storage.n = n;
 *     ctx.sendEgress("demo.io/counts", `${ctx.self.id} ${n}`, types.string);
 *   },
 * });
 * const ingress = flow.input("in", new TestingSource(["a", "b", "a"])).map("msg", (id) => message("demo.fns/counter", id, id, types.string));
 * applyFunctions("fns", ingress, [counter]).egress("demo.io/counts", types.string).output("out", new TestingSink(out));
 * // out = ["a 1", "b 1", "a 2"]
 * ```
 */
export function applyFunctions(stepId: string, ingress: Stream<Message>, modules: readonly (BoundFunction | RemoteModule)[], options: ApplyFunctionsOptions = {}): FunctionsResult {
  const concurrency = options.concurrency ?? 64;
  let fullId = stepId;
  const declared = new Set<string>();
  const { egress: egressed } = defineOperator("applyFunctions", stepId, { up: ingress }, ({ up }, step) => {
    fullId = step.stepId;
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new BuildError(`\`applyFunctions\` step '${step.stepId}': concurrency must be a positive integer; got ${describeType(concurrency)}`);
    const handlerOf = resolver(step.stepId, modules);
    const flow = up.flow();
    const loop = withFlowScope(flow, up._scope, () => feedback<readonly [string, Envelope]>("loop", flow));
    const fromIngress = corePerItem<unknown, readonly [string, Envelope]>("ingress", up, "map", (m) => {
      if (!(m instanceof Message)) throw new TypeError(`the ingress of applyFunctions carries Messages made by message(...); got ${describeType(m)}`);
      return [addressKey(m.targetAddress.typename, m.targetAddress.id), { t: m.typedValue.typename, v: m.typedValue.value }];
    }, "ingress");
    const routed = corePerItem<readonly [string, Envelope], readonly [string, Envelope]>("route", merge("messages", fromIngress, loop.stream), "map", (kv) => {
      const typename = keyTypename(kv[0]);
      if (handlerOf(typename) === undefined) {
        const from = kv[1].c === undefined ? "the ingress" : `'${kv[1].c}'`;
        throw new Error(`no module serves typename '${typename}' (a message to '${kv[0]}' from ${from})`);
      }
      return kv;
    }, "route");
    const outs = coreStatefulBatch<Envelope, Out, unknown>(
      "invoke",
      routed,
      (resume, context, key) => new Instance(key, keyAddress(key), handlerOf(keyTypename(key))!, context.clock, resume as never),
      "fn",
      false,
      concurrency,
    );
    const { trues: sends, falses: egresses } = branch("split", outs, (kv): kv is readonly [string, SendOut] => isSend(kv[1]));
    loop.from(corePerItem("send", sends, "map", ([, o]: readonly [string, SendOut]) => [o.to, { c: o.c, t: o.t, v: o.v }] as const, "send"));
    const egress = corePerItem<readonly [string, Out], EgressMessage>("egress", egresses, "map", ([sender, o]) => {
      const e = o as EgressOut;
      if (!declared.has(e.e)) {
        throw new Error(`'${sender}' sent to the egress '${e.e}', which nobody reads: take it with .egress(${JSON.stringify(e.e)}) from what applyFunctions returned`);
      }
      return { typename: e.e, typedValue: { typename: e.t, value: e.v } };
    }, "egress");
    return { egress };
  }, builtin);
  const streams = new Map<string, Stream<unknown>>();
  const egress = (typename: string, type?: Type<unknown>): Stream<unknown> => {
    checkTypename(typename, `the egress of applyFunctions step '${fullId}'`);
    declared.add(typename);
    const memo = type === undefined ? typename : `${typename} as ${type.typename}`;
    let s = streams.get(memo);
    if (s === undefined) {
      if (type === undefined) {
        s = egressed.filter(`${stepId}_egress_${idPart(typename)}`, (m) => m.typename === typename);
      } else {
        s = (egress(typename) as Stream<EgressMessage>).map(`${stepId}_egress_${idPart(typename)}_as_${idPart(type.typename)}`, (m) => {
          if (m.typedValue.typename !== type.typename) {
            throw new TypeError(`a value sent to the egress '${typename}' is a '${m.typedValue.typename}', not a '${type.typename}'`);
          }
          return type.deserialize(m.typedValue.value);
        });
      }
      streams.set(memo, s);
    }
    return s;
  };
  return { egress } as FunctionsResult;
}

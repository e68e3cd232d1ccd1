/**
 * `Dataflow`: the container of a flow's steps.
 *
 * @module
 */
import { BuildError, describeType } from "../errors.js";
import type { Source } from "../inputs/source.js";
import type { StepNode } from "./internal/steps.js";
import type { Stream } from "./stream.js";
// Loaded for its effect: it registers the Stream class that operators make
// streams of, so the class is there before any flow can add a step.
import "./stream.js";
import { input } from "./operators/input.js";
import { registerFlow, rootScope } from "./internal/scope.js";
import { defaultSerde, type StateSerde } from "../recovery/serde.js";
import { ExchangeSerde } from "../internal/exchange/exchangeSerde.js";

/**
 * Options of a {@link Dataflow}.
 *
 * @category Dataflow
 */
export interface DataflowOptions {
  /**
   * How snapshots of keyed state and partitions become bytes (default
   * {@link defaultSerde}: plain data, `Map`, `Set`, `Date`, `BigInt`, typed
   * arrays). Snapshots are checked with it at every epoch close.
   */
  stateSerde?: StateSerde;
  /**
   * Classes whose instances may cross worker threads (with `-w N`, items
   * routed to another worker before a stateful step, a `redistribute` or a
   * fixed-partitioned sink). Items cross through Sluice's exchange serde,
   * which keeps plain data, `Buffer`s, typed arrays, `Map`, `Set`, `Date`
   * and `BigInt` intact and rejects any other class instance with a
   * `StepError` naming the step: list a class here to send its instances
   * (their own fields are copied and the prototype restored), or give an
   * `{ type, encode, decode }` entry to choose how they are encoded. Every
   * worker builds the same flow, so each knows the classes.
   */
  exchangeClasses?: readonly ExchangeClass[];
}

/**
 * A class whose instances may cross worker threads: the class itself (own
 * enumerable fields are copied, each of which must itself be exchangeable,
 * and the prototype is restored; private `#fields` and non-enumerable
 * properties are not carried), or an entry saying how to encode its
 * instances to exchangeable data and back (`encode` may be called more than
 * once for an instance: it must have no side effects). Instances are
 * recognised by their exact prototype, so a subclass must be registered too.
 * `name` (default: the class's name) identifies the class between workers
 * and must be unique among a flow's exchange classes.
 *
 * @category Dataflow
 * @example
 * ```ts
 * class Money { constructor(readonly cents: number, readonly currency: string) {} }
 * const flow = new Dataflow("pay", { exchangeClasses: [Money] });
 * // or, with a custom encoding:
 * const flow2 = new Dataflow("pay", {
 *   exchangeClasses: [{ type: Money, encode: (m: Money) => [m.cents, m.currency], decode: ([c, cur]: [number, string]) => new Money(c, cur) }],
 * });
 * ```
 */
export type ExchangeClass = AnyClass | ExchangeClassCodec;

/**
 * Any class (its constructor), whatever its arguments.
 *
 * @category Dataflow
 */
export type AnyClass = abstract new (...args: never[]) => unknown;

/**
 * How the instances of a class cross worker threads: see {@link ExchangeClass}.
 *
 * @category Dataflow
 */
export interface ExchangeClassCodec {
  /** The class. */
  readonly type: AnyClass;
  /** Its name in the encoding (default: `type.name`); unique among a flow's exchange classes. */
  readonly name?: string;
  /** Turn an instance into exchangeable data (plain data, `Map`, typed arrays …). */
  readonly encode: (value: never) => unknown;
  /** Rebuild an instance from what `encode` returned. */
  readonly decode: (data: never) => unknown;
}

/**
 * A dataflow definition: a tree of steps between inputs and outputs. Building
 * a flow runs nothing; pass it to `runMain` or run its module with
 * `sluice run`.
 *
 * @category Dataflow
 * @example
 * ```ts
 * const flow = new Dataflow("wordcount");
 * flow
 *   .input("lines", new TestingSource(["a b", "b"]))
 *   .flatMap("words", (line) => line.split(" "))
 *   .output("out", new TestingSink(out));
 * await runMain(flow);
 * // out = ["a", "b", "b"]
 * ```
 */
export class Dataflow {
  /** The flow's id, the first part of every step id. */
  readonly flowId: string;
  /** How this flow's snapshots are encoded. */
  readonly stateSerde: StateSerde;
  /** Classes whose instances may cross worker threads. */
  readonly exchangeClasses: readonly ExchangeClass[];

  /**
   * @param flowId - Non-empty, without `.`.
   * @param options - `stateSerde` for snapshots, `exchangeClasses` for items crossing workers.
   * @throws {@link BuildError} for an invalid id, or a bad or duplicate exchange class.
   */
  constructor(flowId: string, options: DataflowOptions = {}) {
    if (typeof flowId !== "string" || flowId.length === 0 || flowId.includes(".")) {
      throw new BuildError(
        `dataflow id ${typeof flowId === "string" ? JSON.stringify(flowId) : `of type ${describeType(flowId)}`} is invalid: ` +
          "it must be a non-empty string without '.'",
      );
    }
    this.flowId = flowId;
    this.stateSerde = options.stateSerde ?? defaultSerde;
    this.exchangeClasses = [...(options.exchangeClasses ?? [])];
    // Checked now, whatever the worker count: a bad entry is a BuildError where the flow is defined.
    new ExchangeSerde(this.exchangeClasses);
    registerFlow(this);
  }

  /** The top-level steps, in the order they were added. */
  get substeps(): readonly StepNode[] {
    return rootScope(this).substeps;
  }

  /**
   * Add an input step: `flow.input(id, source)` is `op.input(id, flow, source)`.
   *
   * @param stepId - The step's name.
   * @param source - A fixed-partitioned or dynamic source.
   * @returns The stream of the source's items.
   */
  input<X>(stepId: string, source: Source<X>): Stream<X> {
    return input(stepId, this, source);
  }
}

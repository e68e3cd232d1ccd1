/**
 * The plain-data step tree a `Dataflow` records. Nothing here runs: the
 * executor compiles this tree into a graph of core operators.
 *
 * @module
 * @internal
 */
import type { DynamicSink, FixedPartitionedSink } from "../../outputs/sink.js";
import type { DynamicSource, FixedPartitionedSource } from "../../inputs/source.js";
import type { RunContext } from "../../clock.js";

/**
 * @internal What a per-item `flatMapBatch` does to each item: `map` (emit
 * `fn(x)`), `filter` (keep `x` when `fn(x)` is `true`; not a boolean fails),
 * `filterMap` (emit `fn(x)` unless `undefined`), `flatMap` (emit every item
 * of the iterable `fn(x)`), `keyOn` (emit `[fn(x), x]`; a key that is not a
 * string fails). The executor compiles these semantics, and their error
 * messages, in one place (`run/internal/fuse.ts`).
 */
export interface PerItem {
  readonly kind: "map" | "filter" | "filterMap" | "flatMap" | "keyOn";
  readonly fn: (x: never) => unknown;
  /** Items are `[key, value]` pairs (`mapValue` and its kin): an error names the key of the item that failed. */
  readonly keyed?: boolean;
}

/** @internal What the executor needs to run one core operator. */
export type CoreSpec =
  | { readonly kind: "input"; readonly source: FixedPartitionedSource<unknown, unknown> | DynamicSource<unknown> }
  | { readonly kind: "output"; readonly sink: FixedPartitionedSink<unknown, unknown> | DynamicSink<unknown> }
  | {
      readonly kind: "flatMapBatch";
      readonly mapper: (xs: unknown[]) => Iterable<unknown> | Promise<Iterable<unknown>>;
      readonly fn: string;
      readonly perItem?: undefined;
      /** Set by built-in operators whose mapper has no effect but its output: with no consumer, it is not called. */
      readonly pure?: boolean;
    }
  | {
      /** A `flatMapBatch` whose mapper applies a per-item function: the executor compiles it (and fuses chains of them). */
      readonly kind: "flatMapBatch";
      readonly perItem: PerItem;
      readonly fn: string;
      readonly mapper?: undefined;
    }
  | { readonly kind: "branch"; readonly predicate: (x: unknown) => unknown; readonly fn: string }
  | { readonly kind: "merge" }
  | { readonly kind: "redistribute" }
  | {
      readonly kind: "inspectDebug";
      readonly inspector: (stepId: string, item: unknown, epoch: number, worker: number) => void;
      readonly fn: string;
    }
  | {
      readonly kind: "statefulBatch";
      readonly builder: (resume: unknown, context: RunContext, key: string) => unknown;
      readonly fn: string;
      /**
       * Set by built-in operators whose logic runs no user code when a batch
       * arrives (`countFinal`): the order of keys within a batch is then
       * unobservable, so the step does not sort them.
       */
      readonly unordered?: boolean;
      /**
       * Set by `applyFunctions` only: the logics' `onBatch` may return a
       * Promise, and up to this many keys of a batch run at once (each key's
       * values still in order, one call at a time).
       */
      readonly concurrency?: number;
    }
  | { readonly kind: "feedback" };

/**
 * One step of a dataflow, as plain data.
 *
 * @category Dataflow
 */
export interface StepNode {
  /** Full id: `"<flowId>.<name>"`, nested steps add `".<name>"` per level. */
  readonly stepId: string;
  /** The name given when the step was added (last part of `stepId`). */
  readonly name: string;
  /** The operator that made this step, like `"map"` or `"flatMapBatch"`. */
  readonly opType: string;
  /** Input ports: port name to the ids of the streams connected to it. */
  readonly upPorts: Record<string, readonly string[]>;
  /** Output ports: port name to the id of the stream it produces. */
  readonly downPorts: Record<string, string>;
  /** Steps this step is made of (empty for core operators). */
  readonly substeps: StepNode[];
  /** @internal Runtime config of a core operator. */
  readonly core: CoreSpec | undefined;
  /** @internal Whether a built-in operator made this step. */
  readonly builtin: boolean;
}

/** @internal A place steps are added to: a flow's root or a step's inside. */
export interface Scope {
  /** `flowId` for the root, else the enclosing step's id. */
  readonly id: string;
  /** The enclosing step, `undefined` at the root. */
  readonly step: StepNode | undefined;
  /** Where new steps are recorded. */
  readonly substeps: StepNode[];
  /** The dataflow this scope belongs to. */
  readonly flow: object;
}

/**
 * Messages between the coordinator (main thread) and worker threads, and
 * between workers (exchange traffic), plus error transport across threads.
 *
 * @module
 * @internal
 */
import { ERROR_CLASSES } from "../../errors.js";
import type { MessagePort } from "node:worker_threads";
import type { EncodedStates } from "./resume.js";
import type { WorkerSample } from "./metrics/sample.js";

/** @internal What a worker thread starts with. */
export interface WorkerData {
  readonly sluiceWorker: true;
  readonly file: string;
  readonly exportName: string;
  readonly worker: number;
  readonly workerCount: number;
  readonly epochInterval: number;
  readonly startEpoch: number;
  /** Execution number of the run (0 without recovery). */
  readonly execution: number;
  /** Whether the run stores snapshots (without recovery they are only checked, never encoded or sent). */
  readonly recovery: boolean;
  /** Encoded resume states. */
  readonly states: EncodedStates;
  /** A port to each other worker, by worker index (`null` at this worker's own index). */
  readonly ports: (MessagePort | null)[];
  /** Whether to count for metrics and post samples ({@link MetricsMessage}). */
  readonly metrics: boolean;
  /** Items each channel (exchange and pair of workers) holds at most. */
  readonly channelCapacity: number;
}

/** @internal Worker to main thread, beside the coordinator's traffic: the worker's counters, every second and at its end. */
export interface MetricsMessage {
  readonly t: "metrics";
  readonly sample: WorkerSample;
  /** The flow's step tree (`toJson`), in worker 0's first message. */
  readonly graph?: string | undefined;
}

/** @internal A loop, as the coordinator needs to know it: the inputs and loops upstream of it (itself included). */
export interface LoopInfo {
  readonly id: string;
  readonly inputs: readonly string[];
  readonly loops: readonly string[];
}

/** @internal Coordinator to worker. */
export type ToWorker =
  | { readonly t: "assign"; readonly owners: Record<string, Record<string, number>> }
  | {
      readonly t: "barrier";
      readonly epoch: number;
      /** The origins (inputs and loops) that have ended on every worker. */
      readonly doneInputs: readonly string[];
      /** Whether this is the last barrier: every origin ended. */
      readonly final: boolean;
    }
  | { readonly t: "committed"; readonly epoch: number }
  | { readonly t: "stop" };

/** @internal Worker to coordinator. */
export type FromWorker =
  | {
      readonly t: "parts";
      readonly worker: number;
      readonly flowId: string;
      readonly inputs: readonly string[];
      readonly loops: readonly LoopInfo[];
      readonly parts: Record<string, string[]>;
    }
  | { readonly t: "inputsDone"; readonly worker: number; readonly inputs: readonly string[] }
  | { readonly t: "wantBarrier"; readonly worker: number }
  /** Nothing is in flight on this worker's loops (once per epoch). */
  | { readonly t: "idle"; readonly worker: number }
  | {
      readonly t: "snapshots";
      readonly worker: number;
      readonly epoch: number;
      readonly entries: readonly SnapshotMessage[];
      /** Items this worker read so far. */
      readonly items: number;
      /** Items in flight on each loop at the snapshot. */
      readonly inFlight: Readonly<Record<string, number>>;
    }
  | { readonly t: "ended"; readonly worker: number; readonly outcome: "eof" | "aborted" | "stopped" }
  | { readonly t: "error"; readonly worker: number; readonly error: SerializedError };

/** @internal One encoded snapshot sent to the coordinator. */
export interface SnapshotMessage {
  readonly stepId: string;
  readonly stateKey: string;
  readonly bytes: Uint8Array | null;
}

/**
 * @internal Worker to worker: the `n` encoded items of an exchange, the
 * end-of-epoch marker of one, or credit: the receiver processed `n` items
 * the sender sent on exchange `edge` (flow control, `channels.ts`).
 */
export type PeerMessage =
  | { readonly t: 0; readonly edge: number; readonly epoch: number; readonly bytes: Uint8Array; readonly n: number }
  | { readonly t: 1; readonly edge: number; readonly epoch: number }
  | { readonly t: 2; readonly edge: number; readonly n: number };

/** @internal An error as plain data: its class name, message, stack, own primitive fields and cause. */
export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string | undefined;
  /** Own fields of primitive values (`stepId`, `key`, `retriable`, `exitCode` …). */
  readonly fields: Readonly<Record<string, string | number | boolean | undefined>>;
  readonly cause?: SerializedError | undefined;
}

/** @internal Turn an error into plain data that survives `postMessage`. */
export function serializeError(err: unknown, depth = 0): SerializedError {
  if (!(err instanceof Error)) return { name: "Error", message: String(err), fields: {} };
  const fields: Record<string, string | number | boolean | undefined> = {};
  for (const [k, v] of Object.entries(err)) {
    if (k !== "cause" && (v === undefined || typeof v === "string" || typeof v === "number" || typeof v === "boolean")) fields[k] = v;
  }
  return {
    name: err.name,
    message: err.message,
    stack: err.stack,
    fields,
    cause: err.cause !== undefined && depth < 5 ? serializeError(err.cause, depth + 1) : undefined,
  };
}

/** @internal Rebuild an error sent by `serializeError`, with its Sluice class and fields. */
export function deserializeError(s: SerializedError): Error {
  const cause = s.cause === undefined ? undefined : deserializeError(s.cause);
  const cls = ERROR_CLASSES.get(s.name);
  let err: Error;
  if (cls !== undefined) {
    err = new cls(s.message, { ...s.fields, cause });
    // Fields the constructor does not take (or derives) are restored as they were.
    for (const [k, v] of Object.entries(s.fields)) if ((err as unknown as Record<string, unknown>)[k] !== v) Object.assign(err, { [k]: v });
  } else {
    err = new Error(s.message, { cause });
    err.name = s.name;
  }
  if (s.stack !== undefined) err.stack = s.stack;
  return err;
}

/**
 * Messages between the coordinator (main thread) and worker threads, and
 * between workers (exchange traffic), plus error transport across threads.
 *
 * @module
 * @internal
 */
import {
  BuildError,
  ConnectorError,
  DataflowError,
  InconsistentPartitionsError,
  MissingPartitionsError,
  NoPartitionsError,
  RecoveryError,
  StepError,
} from "../../errors.js";
import type { MessagePort } from "node:worker_threads";
import { CliError } from "./cliArgs.js";

/** @internal What a worker thread starts with. */
export interface WorkerData {
  readonly sluiceWorker: true;
  readonly file: string;
  readonly exportName: string;
  readonly worker: number;
  readonly workerCount: number;
  readonly epochInterval: number;
  readonly startEpoch: number;
  /** Whether the run stores snapshots (without recovery they are only checked, never encoded or sent). */
  readonly recovery: boolean;
  /** Encoded resume states: step id, then key and bytes. */
  readonly states: [string, [string, Uint8Array][]][];
  /** A port to each other worker, by worker index (`null` at this worker's own index). */
  readonly ports: (MessagePort | null)[];
}

/** @internal Coordinator to worker. */
export type ToWorker =
  | { readonly t: "assign"; readonly owners: Record<string, Record<string, number>> }
  | { readonly t: "barrier"; readonly epoch: number; readonly doneInputs: string[]; readonly final: boolean }
  | { readonly t: "committed"; readonly epoch: number }
  | { readonly t: "stop" };

/** @internal Worker to coordinator. */
export type FromWorker =
  | { readonly t: "parts"; readonly worker: number; readonly flowId: string; readonly inputs: string[]; readonly parts: Record<string, string[]> }
  | { readonly t: "inputsDone"; readonly worker: number; readonly inputs: string[] }
  | { readonly t: "wantBarrier"; readonly worker: number }
  | { readonly t: "snapshots"; readonly worker: number; readonly epoch: number; readonly entries: SnapshotMessage[]; readonly items: number }
  | { readonly t: "ended"; readonly worker: number; readonly outcome: "eof" | "aborted" | "stopped" }
  | { readonly t: "error"; readonly worker: number; readonly error: SerializedError };

/** @internal One encoded snapshot sent to the coordinator. */
export interface SnapshotMessage {
  readonly stepId: string;
  readonly stateKey: string;
  readonly bytes: Uint8Array | null;
}

/** @internal Worker to worker: items of an exchange, or the end-of-epoch marker of one. */
export type PeerMessage =
  | { readonly t: 0; readonly edge: number; readonly epoch: number; readonly items: unknown[] }
  | { readonly t: 1; readonly edge: number; readonly epoch: number };

/** @internal An error as plain data. */
export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string | undefined;
  readonly stepId?: string | undefined;
  readonly key?: string | undefined;
  readonly partition?: string | undefined;
  readonly epoch?: number | undefined;
  readonly retriable?: boolean | undefined;
  readonly exitCode?: number | undefined;
  readonly cause?: SerializedError | undefined;
}

/** @internal Turn an error into plain data that survives `postMessage`. */
export function serializeError(err: unknown, depth = 0): SerializedError {
  if (!(err instanceof Error)) return { name: "Error", message: String(err) };
  const e = err as Error & Partial<Record<"stepId" | "key" | "partition", string>> & { epoch?: number; retriable?: boolean; exitCode?: number };
  return {
    name: e.name,
    message: e.message,
    stack: e.stack,
    stepId: e.stepId,
    key: e.key,
    partition: e.partition,
    epoch: e.epoch,
    retriable: e.retriable,
    exitCode: e.exitCode,
    cause: e.cause !== undefined && depth < 5 ? serializeError(e.cause, depth + 1) : undefined,
  };
}

const CLASSES: Record<string, new (message: string, options?: { cause?: unknown }) => DataflowError> = {
  DataflowError,
  BuildError,
  RecoveryError,
  NoPartitionsError,
  MissingPartitionsError,
  InconsistentPartitionsError,
};

/** @internal Rebuild an error sent by `serializeError`, with its Sluice class. */
export function deserializeError(s: SerializedError): Error {
  const cause = s.cause === undefined ? undefined : deserializeError(s.cause);
  let err: Error;
  if (s.name === "StepError" && s.stepId !== undefined) {
    err = new StepError(s.message, { stepId: s.stepId, key: s.key, partition: s.partition, epoch: s.epoch, cause });
  } else if (s.name === "ConnectorError") {
    err = new ConnectorError(s.message, { retriable: s.retriable ?? false, cause });
  } else if (CLASSES[s.name] !== undefined) {
    err = new CLASSES[s.name](s.message, { cause });
  } else if (s.name === "CliError") {
    err = new CliError(s.message, { exitCode: s.exitCode, cause });
  } else {
    err = new Error(s.message, { cause });
    err.name = s.name;
  }
  if (s.stack !== undefined) err.stack = s.stack;
  return err;
}

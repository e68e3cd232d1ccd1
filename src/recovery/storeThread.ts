/**
 * The store thread: a worker thread that owns the recovery partitions'
 * connections for the rest of a run and commits each epoch's snapshots
 * there, so that encoding the snapshots is all an epoch close costs the
 * thread that runs the flow: SQLite's inserts, checksums, garbage collection
 * and WAL writes happen meanwhile on another core.
 *
 * Order and durability. Epochs are committed one at a time in the order
 * `commit` is called; the Promise of an epoch resolves once its transaction
 * committed in every partition (durable), and rejects with the error the
 * synchronous path would have thrown (same class, message and fields). After
 * a failure, later epochs are not committed and reject with the same error.
 * Whoever commits must tell the flow's nodes an epoch is committed (two-phase
 * sinks then commit their transactions) only once its Promise resolved.
 *
 * @module
 * @internal
 */
import { Worker } from "node:worker_threads";
import { deserializeError, type SerializedError } from "../run/internal/protocol.js";
import { packEpoch, packedBuffers, type PackedEpoch } from "./packedEpoch.js";
import type { RecoveryStore, SnapshotWrite } from "./store.js";

/** @internal To the store thread. */
export type StoreRequest = { readonly t: "commit"; readonly epoch: PackedEpoch } | { readonly t: "close" };

/** @internal From the store thread. */
export type StoreReply =
  | { readonly t: "committed"; readonly epoch: number }
  | { readonly t: "failed"; readonly epoch: number; readonly error: SerializedError };

interface Waiting {
  readonly epoch: number;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

/**
 * Start the thread's entry, next to this module: compiled (`.js`), or, when
 * this module is TypeScript (Sluice's own tests run the sources), the `.ts`
 * entry through tsx's loader.
 */
function startEntry(workerData: unknown): Worker {
  if (!import.meta.url.endsWith(".ts")) return new Worker(new URL("./storeWorker.js", import.meta.url), { workerData });
  const href = JSON.stringify(new URL("./storeWorker.ts", import.meta.url).href);
  return new Worker(`import("tsx/esm/api").then((tsx) => { tsx.register(); return import(${href}); });`, { eval: true, workerData });
}

/** @internal A store thread committing the epochs of one execution of `store`. */
export class StoreThread {
  private readonly worker: Worker;
  private readonly waiting: Waiting[] = [];
  private failure: unknown;
  private exited: Promise<void>;

  private constructor(store: RecoveryStore) {
    this.worker = startEntry(store.writerState());
    this.worker.on("message", (msg: StoreReply) => {
      const w = this.waiting.shift();
      if (w === undefined || w.epoch !== msg.epoch) {
        this.fail(new Error(`internal error: the store thread replied for epoch ${msg.epoch}, expected ${w?.epoch ?? "none"}`));
        return;
      }
      if (msg.t === "committed") w.resolve();
      else {
        this.failure ??= deserializeError(msg.error);
        w.reject(this.failure);
      }
    });
    this.worker.on("error", (err) => this.fail(err));
    this.exited = new Promise((resolve) => this.worker.once("exit", () => {
      this.fail(new Error("the recovery store thread exited while epochs were being committed"));
      resolve();
    }));
  }

  /**
   * Start a store thread for the execution `store` started. `store` stays
   * open (it was read from) but must not commit any more.
   */
  static start(store: RecoveryStore): StoreThread {
    return new StoreThread(store);
  }

  /** Epochs sent and not yet answered. */
  get inFlight(): number {
    return this.waiting.length;
  }

  /**
   * Commit epoch `epoch`: its changed snapshots and the progress marks, after
   * every epoch committed before it. `now`: the run's clock.
   */
  commit(epoch: number, writes: readonly SnapshotWrite[], now: number): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const packed = packEpoch(epoch, now, writes);
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ epoch, resolve, reject });
      this.worker.postMessage({ t: "commit", epoch: packed } satisfies StoreRequest, packedBuffers(packed));
    });
  }

  /** Let the thread finish the epochs it was sent, close the partitions and exit. */
  async close(): Promise<void> {
    this.worker.postMessage({ t: "close" } satisfies StoreRequest);
    await this.exited;
  }

  private fail(err: unknown): void {
    this.failure ??= err;
    for (const w of this.waiting.splice(0)) w.reject(this.failure);
  }
}

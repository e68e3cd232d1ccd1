/**
 * Entry of the store thread (see `storeThread.ts`): opens the partition
 * files on its own connections and commits the epochs it is sent, one after
 * the other, in the order they arrive, replying to each. After a failure it
 * commits nothing more: every later epoch gets the same error, so no epoch
 * is ever durable after one that is not.
 *
 * @module
 * @internal
 */
import { parentPort, workerData } from "node:worker_threads";
import { serializeError, type SerializedError } from "../run/internal/protocol.js";
import { openPartition, type Db } from "./schema.js";
import { SnapshotWriter, type WriterState } from "./store.js";
import { unpackEpoch } from "./packedEpoch.js";
import type { StoreReply, StoreRequest } from "./storeThread.js";

const port = parentPort!;
const state = workerData as WriterState;
const dbs: Db[] = [];
let writer: SnapshotWriter | undefined;
let failure: SerializedError | undefined;
try {
  for (const file of state.files) dbs.push(openPartition(file, { create: false }));
  writer = new SnapshotWriter(
    dbs.map((db, i) => ({ db, file: state.files[i] })),
    state,
  );
} catch (err) {
  failure = serializeError(err);
}

const reply = (msg: StoreReply): void => port.postMessage(msg);

port.on("message", (msg: StoreRequest) => {
  if (msg.t === "close") {
    for (const db of dbs) {
      try {
        db.close();
      } catch {
        // Closing after a failure: the failure was reported.
      }
    }
    port.close();
    return;
  }
  const p = msg.epoch;
  if (failure === undefined) {
    try {
      writer!.commit(p.epoch, unpackEpoch(p), p.now);
    } catch (err) {
      failure = serializeError(err);
    }
  }
  reply(failure === undefined ? { t: "committed", epoch: p.epoch } : { t: "failed", epoch: p.epoch, error: failure });
});

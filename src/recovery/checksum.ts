/**
 * Checksums of what a recovery partition stores: each snapshot row and each
 * progress row (`fronts`, `commits`) carries the CRC-32 (`node:zlib`) of its
 * values, so a byte changed on disk is caught when the row is read instead of
 * resuming from a wrong state (SQLite does not checksum its pages).
 *
 * A snapshot's checksum covers its step, key and epoch as well as its bytes:
 * a row moved to another key or epoch fails it too.
 *
 * @module
 * @internal
 */
import { crc32 } from "node:zlib";
import type { Db } from "./schema.js";

/** @internal The checksum of the snapshot of `stateKey` in step `stepId` at `epoch`; `bytes` null: a discard. */
export function snapCrc(stepId: string, stateKey: string, epoch: number, bytes: Uint8Array | null): number {
  const head = crc32(`${stepId}\0${stateKey}\0${epoch}\0${bytes === null ? "d" : "s"}`);
  return bytes === null ? head : crc32(bytes, head);
}

/** @internal The checksum of a `fronts` row. */
export function frontCrc(exNum: number, workerIndex: number, frontier: number): number {
  return crc32(`front\0${exNum}\0${workerIndex}\0${frontier}`);
}

/** @internal The checksum of a `commits` row. */
export function commitCrc(epoch: number, committedAt: number, gcEpoch: number): number {
  return crc32(`commit\0${epoch}\0${committedAt}\0${gcEpoch}`);
}

/**
 * @internal Register the checksums as SQL functions on `db` (`sluice_snap_crc`,
 * `sluice_front_crc`, `sluice_commit_crc`), for the migration that adds them
 * and for statements that update rows in place.
 */
export function registerChecksums(db: Db): void {
  const opts = { deterministic: true, safeIntegers: false } as const;
  db.function("sluice_snap_crc", opts, (stepId, stateKey, epoch, bytes) =>
    snapCrc(stepId as string, stateKey as string, epoch as number, (bytes as Uint8Array | null) ?? null),
  );
  db.function("sluice_front_crc", opts, (ex, w, f) => frontCrc(ex as number, w as number, f as number));
  db.function("sluice_commit_crc", opts, (e, at, gc) => commitCrc(e as number, at as number, gc as number));
}

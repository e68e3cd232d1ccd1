/**
 * An epoch's snapshots packed for the store thread: the keys as one array of
 * strings, the steps as a small table and an index per row, and every
 * snapshot's bytes copied into one buffer, so crossing threads is one copy of
 * the bytes (the buffers are transferred) and no object per row.
 *
 * @module
 * @internal
 */
import type { SnapshotWrite } from "./store.js";

/** @internal One epoch's snapshots, as they cross to the store thread. */
export interface PackedEpoch {
  readonly epoch: number;
  /** The run's clock when the epoch closed: what the backup interval is measured on. */
  readonly now: number;
  /** The distinct step ids. */
  readonly steps: readonly string[];
  /** Per row: its step's index in `steps`. */
  readonly stepOf: Uint32Array;
  /** Per row: its state key. */
  readonly keys: readonly string[];
  /** Per row: the length of its snapshot in `data`, or -1 for a discarded key. */
  readonly lengths: Int32Array;
  /** Every row's snapshot, one after the other. */
  readonly data: Uint8Array;
}

/** @internal Pack `writes`; the buffers are new and may be transferred. */
export function packEpoch(epoch: number, now: number, writes: readonly SnapshotWrite[]): PackedEpoch {
  const n = writes.length;
  const steps: string[] = [];
  const stepOf = new Uint32Array(n);
  const keys = new Array<string>(n);
  const lengths = new Int32Array(n);
  let total = 0;
  let lastStep: string | undefined;
  let lastIndex = 0;
  for (let i = 0; i < n; i++) {
    const w = writes[i];
    if (w.stepId !== lastStep) {
      lastStep = w.stepId;
      lastIndex = steps.indexOf(lastStep);
      if (lastIndex < 0) lastIndex = steps.push(lastStep) - 1;
    }
    stepOf[i] = lastIndex;
    keys[i] = w.stateKey;
    const b = w.bytes;
    lengths[i] = b === null ? -1 : b.length;
    if (b !== null) total += b.length;
  }
  const data = new Uint8Array(total);
  let at = 0;
  for (let i = 0; i < n; i++) {
    const b = writes[i].bytes;
    if (b === null) continue;
    data.set(b, at);
    at += b.length;
  }
  return { epoch, now, steps, stepOf, keys, lengths, data };
}

/** @internal The buffers of `p`, to transfer. */
export function packedBuffers(p: PackedEpoch): ArrayBuffer[] {
  return [p.stepOf.buffer as ArrayBuffer, p.lengths.buffer as ArrayBuffer, p.data.buffer as ArrayBuffer];
}

/** @internal The rows of `p`; their bytes are views of `p.data`. */
export function unpackEpoch(p: PackedEpoch): SnapshotWrite[] {
  const n = p.keys.length;
  const out = new Array<SnapshotWrite>(n);
  const data = Buffer.from(p.data.buffer, p.data.byteOffset, p.data.byteLength);
  let at = 0;
  for (let i = 0; i < n; i++) {
    const len = p.lengths[i];
    let bytes: Uint8Array | null = null;
    if (len >= 0) {
      bytes = data.subarray(at, at + len);
      at += len;
    }
    out[i] = { stepId: p.steps[p.stepOf[i]], stateKey: p.keys[i], bytes };
  }
  return out;
}

import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach } from "vitest";
import type { FixedPartitionedSource, StatefulSourcePartition } from "../../../src/inputs/source.js";

const dirs: string[] = [];

/** A fresh temp dir, removed after the test. */
export function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sluice-files-"));
  dirs.push(dir);
  return dir;
}

afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** Call `nextBatch` until `null`; the batches returned (empty ones dropped). */
export async function drainBatches<X>(part: StatefulSourcePartition<X, unknown>): Promise<X[][]> {
  const batches: X[][] = [];
  for (let calls = 0; calls < 1_000_000; calls++) {
    const batch = await part.nextBatch();
    if (batch === null) return batches;
    const items = [...batch];
    if (items.length > 0) batches.push(items);
  }
  throw new Error("nextBatch never returned null");
}

/** Every item until `null`. */
export async function drain<X>(part: StatefulSourcePartition<X, unknown>): Promise<X[]> {
  return (await drainBatches(part)).flat();
}

/** Take `n` batches (non-null) from a partition. */
export async function take<X>(part: StatefulSourcePartition<X, unknown>, n: number): Promise<X[]> {
  const out: X[] = [];
  for (let i = 0; i < n; i++) {
    const batch = await part.nextBatch();
    if (batch === null) throw new Error("input ended early");
    out.push(...batch);
  }
  return out;
}

/** Build the only partition of a single-partition source. */
export async function buildOnly<X, S>(
  source: FixedPartitionedSource<X, S>,
  resume?: S,
): Promise<StatefulSourcePartition<X, S>> {
  const parts = await source.listParts();
  if (parts.length !== 1) throw new Error(`expected one partition, got ${parts.length}`);
  return source.buildPart("flow.in", parts[0], resume);
}

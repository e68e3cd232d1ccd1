/**
 * kafkajs 2.2.4 can hand a `read_committed` consumer records of aborted
 * transactions. A fetch response lists the aborted transactions that
 * overlap the fetched range, and the client must drop their records; kafkajs
 * (`consumer/filterAbortedMessages.js`) walks the records and starts
 * dropping a transaction's records only when it meets a record at or past
 * the transaction's first offset, one transaction per record, and expects
 * the list sorted by first offset. When a fetch starts inside several
 * aborted transactions (the fetch offset is past their first offsets:
 * common on a topic several transactional producers write, like a cluster's
 * repartition topics, once some of their transactions were aborted by
 * fencing), or when the broker lists them in another order (it lists them
 * in the order they ended), records of the second and later ones pass.
 * A consumer then processes what was never committed: duplicates downstream.
 *
 * The fix: wrap `parse` of kafkajs's fetch responses (v4 and later, those
 * with aborted transactions) so each partition's records are filtered as the
 * Java client does (every aborted transaction whose first offset is at or
 * before a record is active for its producer until that producer's abort
 * marker), and its list of aborted transactions is emptied, so kafkajs's own
 * filter has nothing left to do. A kafkajs whose layout differs is left
 * alone.
 *
 * @module
 * @internal
 */
import { createRequire } from "node:module";

/** A record as kafkajs's fetch response decoder makes it (the fields used here). */
interface FetchedRecord {
  readonly offset: string;
  readonly key: Buffer | null;
  readonly isControlRecord?: boolean;
  readonly batchContext?: { readonly producerId: string; readonly inTransaction: boolean };
}

interface AbortedTransaction {
  readonly producerId: string;
  readonly firstOffset: string;
}

interface FetchedPartition {
  messages: FetchedRecord[];
  abortedTransactions?: AbortedTransaction[];
}

/** The key of an abort marker: version 0, type 0 (abort). */
const ABORT_KEY = Buffer.from([0, 0, 0, 0]);

/** @internal The records of `records` not in one of `aborted` (records in offset order), control records kept. */
export function withoutAborted(records: readonly FetchedRecord[], aborted: readonly AbortedTransaction[]): FetchedRecord[] {
  if (aborted.length === 0) return [...records];
  const pending = [...aborted].sort((a, b) => (BigInt(a.firstOffset) < BigInt(b.firstOffset) ? -1 : BigInt(a.firstOffset) > BigInt(b.firstOffset) ? 1 : 0));
  const active = new Set<string>();
  const out: FetchedRecord[] = [];
  for (const r of records) {
    const offset = BigInt(r.offset);
    while (pending.length > 0 && BigInt(pending[0].firstOffset) <= offset) active.add(String(pending.shift()!.producerId));
    const producer = r.batchContext === undefined ? undefined : String(r.batchContext.producerId);
    if (r.isControlRecord === true) {
      if (producer !== undefined && r.key !== null && ABORT_KEY.equals(r.key)) active.delete(producer);
      out.push(r);
      continue;
    }
    if (producer !== undefined && r.batchContext!.inTransaction && active.has(producer)) continue;
    out.push(r);
  }
  return out;
}

const PATCHED = Symbol.for("sluice.kafkajs.abortedRecords");

let done = false;

/** @internal Make kafkajs's `read_committed` fetches drop every aborted record (see the module comment); once per thread. */
export function dropAbortedRecords(): void {
  if (done) return;
  done = true;
  const require = createRequire(import.meta.url);
  for (let version = 4; version <= 11; version++) {
    let response: { parse?: unknown; [PATCHED]?: true } | undefined;
    try {
      response = require(`kafkajs/src/protocol/requests/fetch/v${version}/response.js`) as typeof response;
    } catch {
      continue;
    }
    const parse = response?.parse;
    if (response === undefined || typeof parse !== "function" || response[PATCHED] === true) continue;
    response.parse = async (data: unknown): Promise<unknown> => {
      const result = (await (parse as (d: unknown) => Promise<unknown>)(data)) as { responses?: { partitions?: FetchedPartition[] }[] } | undefined;
      for (const topic of result?.responses ?? []) {
        for (const p of topic.partitions ?? []) {
          if (!Array.isArray(p.abortedTransactions) || p.abortedTransactions.length === 0 || !Array.isArray(p.messages)) continue;
          p.messages = withoutAborted(p.messages, p.abortedTransactions);
          p.abortedTransactions = [];
        }
      }
      return result;
    };
    response[PATCHED] = true;
  }
}

/**
 * The exchange serde against structured clone: the cost per item of sending
 * batches of 1000 items from one thread to another over a MessageChannel.
 *
 *     npm run bench -- exchange [--quick]
 *
 * - clone: `port.postMessage(items)`; the receiving thread gets the structured
 *   clone (today's exchange);
 * - serde: `bytes = serde.encode(items)`, `port.postMessage(bytes,
 *   [bytes.buffer])`; the receiving thread calls `serde.decode(bytes)`.
 *
 * `[string, {Error, attempt}]` takes the serde's general path (a check, then
 * V8's format). In `[string, Money]`, `Money` is a registered class:
 * structured clone turns it into a plain object, so that comparison is of
 * cost only.
 *
 * The sender keeps {@link WINDOW} batches in flight; the receiver acknowledges
 * each one. A run lasts at least {@link RUN_MS}; after a warm-up run, each
 * side runs {@link REPS} times, alternating, and the median is reported: wall
 * time per item (the two threads work in parallel, so this is the slower
 * side's cost) and CPU time per item (both threads and the GC, so the total
 * work). Environment: `BENCH_REPS`, `BENCH_RUN_MS`.
 */
import { performance } from "node:perf_hooks";
import { MessageChannel, Worker, isMainThread, workerData, type MessagePort } from "node:worker_threads";
import { ExchangeSerde } from "../dist/internal/exchange/exchangeSerde.js";
import { QUICK, type BenchOutput, type Row } from "./lib.js";

const BATCH = 1000;
const WINDOW = 8;
const REPS = QUICK ? 1 : Math.max(1, Number(process.env.BENCH_REPS ?? 7));
const RUN_MS = QUICK ? 10 : Math.max(10, Number(process.env.BENCH_RUN_MS ?? 300));

type Side = "clone" | "serde";

const key = (i: number): string => `user-${(i * 7919) % 5000}`;

/** A registered class (both threads build the serde with it). */
class Money {
  constructor(
    readonly cents: number,
    readonly currency: string,
  ) {}
}

const FORMATS = ["", "plain", "v8", "v8 + classes"];

/** The item shapes, by name: a batch of each. */
const SHAPES: Record<string, () => unknown[]> = {
  strings: () => Array.from({ length: BATCH }, (_, i) => `word${i % 300}-${i}`),
  "[string, number]": () => Array.from({ length: BATCH }, (_, i) => [key(i), i * 1.5]),
  "[string, string]": () => Array.from({ length: BATCH }, (_, i) => [key(i), `value-${i}`]),
  "[string, {5 fields}]": () =>
    Array.from({ length: BATCH }, (_, i) => [key(i), { id: i, name: `item ${i}`, price: i * 0.25, inStock: i % 2 === 0, tag: "t" }]),
  "kafka-like": () =>
    Array.from({ length: BATCH }, (_, i) => ({
      key: Buffer.from(key(i)),
      value: Buffer.from(JSON.stringify({ id: i, user: key(i), amount: i * 0.25, note: "x".repeat(40) })),
      topic: "orders",
      partition: i % 4,
      offset: String(1_000_000 + i),
      timestamp: String(1_700_000_000_000 + i),
      headers: {},
    })),
  "[string, {Date, Set}]": () =>
    Array.from({ length: BATCH }, (_, i) => [key(i), { at: new Date(1_700_000_000_000 + i), tags: new Set(["a", `t${i % 10}`]) }]),
  "[string, Float64Array(8)]": () => Array.from({ length: BATCH }, (_, i) => [key(i), new Float64Array(8).fill(i / 7)]),
  "[string, {Error, attempt}]": () => Array.from({ length: BATCH }, (_, i) => [key(i), { error: new RangeError(`failed ${i}`), attempt: i % 3 }]),
  "[string, Money]": () => Array.from({ length: BATCH }, (_, i) => [key(i), new Money(i, "EUR")]),
};

/** The receiving thread: decode (or take the clone), count, acknowledge. */
function receiver(port: MessagePort): void {
  const serde = new ExchangeSerde([Money]);
  let received = 0;
  port.on("message", (msg: unknown) => {
    const items = ArrayBuffer.isView(msg) ? serde.decode(msg as Uint8Array) : (msg as unknown[]);
    received += items.length;
    port.postMessage(received);
  });
}

interface Measure {
  wallNs: number;
  cpuNs: number;
}

/** Send `items` from this thread over `port` for at least RUN_MS; ns per item. */
function run(port: MessagePort, side: Side, items: unknown[], serde: ExchangeSerde): Promise<Measure> {
  return new Promise((resolve) => {
    let sent = 0;
    let acked = 0;
    let stopping = false;
    const send = (): void => {
      if (side === "clone") {
        port.postMessage(items);
      } else {
        const bytes = serde.encode(items);
        port.postMessage(bytes, [bytes.buffer]);
      }
      sent++;
    };
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const onAck = (): void => {
      acked++;
      if (!stopping && performance.now() - t0 >= RUN_MS) stopping = true;
      if (!stopping) {
        send();
      } else if (acked === sent) {
        const wallMs = performance.now() - t0;
        const cpu = process.cpuUsage(cpu0);
        port.off("message", onAck);
        const n = sent * items.length;
        resolve({ wallNs: (wallMs * 1e6) / n, cpuNs: ((cpu.user + cpu.system) * 1e3) / n });
      }
    };
    port.on("message", onAck);
    for (let i = 0; i < WINDOW; i++) send();
  });
}

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** The exchange against structured clone, per item shape. */
export async function benchExchange(): Promise<BenchOutput> {
  const { port1, port2 } = new MessageChannel();
  // A worker does not inherit tsx's hooks on Node 20: register them before importing this file there.
  const tsx = import.meta.resolve("tsx/esm/api");
  const boot = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(import.meta.url)}); });`;
  const worker = new Worker(boot, { eval: true, workerData: { exchangeBench: true, port: port2 }, transferList: [port2] });
  const serde = new ExchangeSerde([Money]);
  const rows: Row[] = [];
  try {
    for (const [shape, make] of Object.entries(SHAPES)) {
      const items = make();
      const bytes = serde.encode(items);
      await run(port1, "clone", items, serde);
      await run(port1, "serde", items, serde);
      const clone: Measure[] = [];
      const mine: Measure[] = [];
      for (let r = 0; r < REPS; r++) {
        clone.push(await run(port1, "clone", items, serde));
        mine.push(await run(port1, "serde", items, serde));
      }
      const cw = median(clone.map((m) => m.wallNs));
      const sw = median(mine.map((m) => m.wallNs));
      const cc = median(clone.map((m) => m.cpuNs));
      const sc = median(mine.map((m) => m.cpuNs));
      rows.push({
        shape,
        format: FORMATS[bytes[0]],
        "bytes/item": (bytes.length / items.length).toFixed(1),
        "clone wall ns/item": Math.round(cw),
        "serde wall ns/item": Math.round(sw),
        "serde/clone wall": (sw / cw).toFixed(2),
        "clone cpu ns/item": Math.round(cc),
        "serde cpu ns/item": Math.round(sc),
        "serde/clone cpu": (sc / cc).toFixed(2),
      });
    }
  } finally {
    port1.close();
    await worker.terminate();
  }
  return {
    rows,
    notes: [
      `${BATCH} items per batch, ${WINDOW} batches in flight, runs of >= ${RUN_MS} ms, median of ${REPS}`,
      "clone: structured clone of the batch (the exchange before the serde); ratio < 1: the serde is cheaper",
    ],
  };
}

if (!isMainThread && (workerData as { exchangeBench?: boolean } | null)?.exchangeBench === true) {
  receiver((workerData as { port: MessagePort }).port);
}

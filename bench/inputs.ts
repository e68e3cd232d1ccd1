/**
 * The generated inputs of the comparisons, written once per invocation to a
 * temporary directory and read by every side (Sluice, the hand-written loop,
 * Bytewax) from the same file. Generation is seeded: the same sizes give the
 * same bytes on every run.
 */
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

let dir: string | undefined;
const made = new Map<string, string>();

/** A small seeded PRNG (mulberry32): floats in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Write the lines `make` produces to `<tmp>/<name>`, once per invocation; returns the path. */
function inputFile(name: string, make: (line: (s: string) => void) => void): string {
  const cached = made.get(name);
  if (cached !== undefined) return cached;
  if (dir === undefined) {
    const d = mkdtempSync(join(tmpdir(), "sluice-bench-"));
    dir = d;
    process.on("exit", () => rmSync(d, { recursive: true, force: true }));
  }
  const path = join(dir, name);
  const fd = openSync(path, "w");
  let buf: string[] = [];
  make((s) => {
    buf.push(s);
    if (buf.length === 65536) {
      writeSync(fd, buf.join("\n") + "\n");
      buf = [];
    }
  });
  if (buf.length > 0) writeSync(fd, buf.join("\n") + "\n");
  closeSync(fd);
  made.set(name, path);
  return path;
}

/** The lines of a generated input (the file ends with a newline). */
export function readLines(path: string): string[] {
  const lines = readFileSync(path, "utf8").split("\n");
  lines.pop();
  return lines;
}

/** Word of rank `r` (0 = most frequent): letters only, short for frequent words. */
function word(r: number): string {
  let s = "";
  let n = r;
  do {
    s = String.fromCharCode(97 + (n % 26)) + s;
    n = Math.floor(n / 26) - 1;
  } while (n >= 0);
  return s;
}

/**
 * W2: `lines` lines of 1 to 15 words drawn from a Zipf (s = 1) distribution
 * over `vocab` words, separated by single spaces; a third of the words are
 * capitalised (so lowercasing matters).
 */
export function wordLines(lines: number, vocab: number): string {
  return inputFile(`words-${lines}-${vocab}.txt`, (line) => {
    const cdf = new Float64Array(vocab);
    let sum = 0;
    for (let r = 0; r < vocab; r++) cdf[r] = sum += 1 / (r + 1);
    const words = new Array<string>(vocab);
    for (let r = 0; r < vocab; r++) words[r] = word(r);
    const rnd = prng(2);
    for (let i = 0; i < lines; i++) {
      const n = 1 + Math.floor(rnd() * 15);
      const ws = new Array<string>(n);
      for (let j = 0; j < n; j++) {
        const u = rnd() * sum;
        let lo = 0;
        let hi = vocab - 1;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if (cdf[mid] < u) lo = mid + 1;
          else hi = mid;
        }
        const w = words[lo];
        ws[j] = rnd() < 1 / 3 ? w[0].toUpperCase() + w.slice(1) : w;
      }
      line(ws.join(" "));
    }
  });
}

/** W3 and W5: `rows` rows `station<k>;<temperature>`, `keys` stations uniformly, temperatures -99.9..99.9. */
export function stationRows(rows: number, keys: number): string {
  return inputFile(`stations-${rows}-${keys}.txt`, (line) => {
    const rnd = prng(3);
    for (let i = 0; i < rows; i++) {
      const k = Math.floor(rnd() * keys);
      const t = Math.floor(rnd() * 1999) - 999;
      const a = Math.abs(t);
      line(`station${k};${t < 0 ? "-" : ""}${Math.floor(a / 10)}.${a % 10}`);
    }
  });
}

/** Start of W4's event time: 2024-01-01T00:00:00Z. */
export const EVENTS_START = Date.UTC(2024, 0, 1);
/**
 * W4: `events` lines `<key>;<epoch ms>;<value>`: keys `k<i>` drawn uniformly
 * from `keys`, timestamps in order from {@link EVENTS_START}, `gapMs` apart
 * (rounded down to whole ms), values 0..99.
 */
export function events(events: number, keys: number, gapMs: number): string {
  return inputFile(`events-${events}-${keys}-${gapMs}.txt`, (line) => {
    const rnd = prng(4);
    for (let i = 0; i < events; i++) {
      line(`k${Math.floor(rnd() * keys)};${EVENTS_START + Math.floor(i * gapMs)};${Math.floor(rnd() * 100)}`);
    }
  });
}

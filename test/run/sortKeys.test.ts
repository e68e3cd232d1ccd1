import { describe, expect, it } from "vitest";
import { RankSorter, sortKeys } from "../../src/run/internal/sortKeys.js";
import { prng } from "../support/prng.js";


describe("sortKeys", () => {
  const rnd = prng(7);
  const pick = (alphabet: string, maxLen: number): string => {
    let s = "";
    const n = Math.floor(rnd() * (maxLen + 1));
    for (let i = 0; i < n; i++) s += alphabet[Math.floor(rnd() * alphabet.length)];
    return s;
  };

  it.each([
    ["short ascii words", () => pick("abcdefghijklmnopqrstuvwxyz", 6), 3000],
    ["keys with a long shared prefix", () => `station-${"x".repeat(40)}${Math.floor(rnd() * 1e6)}`, 2000],
    ["duplicates, empty strings and prefixes of each other", () => pick("ab", 4), 500],
    ["surrogates, lone surrogates and other code units", () => pick("a\u00e9\u4e2d\ud83d\ude00\ud800\udfff\uffff\u0000Z", 5), 2000],
    ["a handful", () => pick("xyz", 3), 5],
  ])("sorts %s exactly as Array.prototype.sort does", (_name, gen, n) => {
    const keys = Array.from({ length: n }, gen);
    expect(sortKeys(keys.slice())).toEqual(keys.slice().sort());
  });

  it("sorts presorted, reversed and all-equal input", () => {
    const keys = Array.from({ length: 1000 }, (_, i) => `k${String(i).padStart(4, "0")}`);
    expect(sortKeys(keys.slice())).toEqual(keys);
    expect(sortKeys(keys.slice().reverse())).toEqual(keys);
    expect(sortKeys(Array.from({ length: 100 }, () => "same"))).toEqual(Array.from({ length: 100 }, () => "same"));
  });

  it("sorts in place and returns its argument; leaves 0 and 1 keys alone", () => {
    const keys = ["b", "a"];
    expect(sortKeys(keys)).toBe(keys);
    expect(keys).toEqual(["a", "b"]);
    expect(sortKeys([])).toEqual([]);
    expect(sortKeys(["x"])).toEqual(["x"]);
  });
});

describe("RankSorter", () => {
  const rnd = prng(11);
  /** `n` distinct ranks below `bound`, in random order. */
  const distinct = (n: number, bound: number): number[] => {
    const seen = new Set<number>();
    while (seen.size < n) seen.add(Math.floor(rnd() * bound));
    return [...seen];
  };

  it.each([
    ["a few ranks (insertion sort)", 7, 100],
    ["one pass of digits", 500, 2000],
    ["two passes", 1000, 10_000],
    ["three passes (ranks past 2**22)", 3000, 50_000_000],
    ["every rank of a small bound", 256, 256],
  ])("orders %s by rank", (_name, n, bound) => {
    const sorter = new RankSorter();
    // The same sorter, batch after batch: its buffers are reused (and grow).
    for (const size of [n, Math.ceil(n / 3), n]) {
      const ranks = distinct(size, bound);
      const buf = sorter.ranksFor(size);
      for (let i = 0; i < size; i++) buf[i] = ranks[i];
      const order = Array.from(sorter.sort(size, bound).subarray(0, size));
      expect(order.map((i) => ranks[i])).toEqual(ranks.slice().sort((a, b) => a - b));
    }
  });
});

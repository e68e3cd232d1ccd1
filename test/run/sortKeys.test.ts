import { describe, expect, it } from "vitest";
import { sortKeys } from "../../src/run/internal/sortKeys.js";
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

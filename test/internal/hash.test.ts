import { describe, expect, it } from "vitest";
import { stableHash } from "../../src/internal/hash.js";

/** FNV-1a 32 over the bytes TextEncoder gives: what stableHash must equal. */
function reference(key: string): number {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(key)) h = Math.imul(h ^ byte, 0x01000193);
  return h >>> 0;
}

describe("stableHash", () => {
  it("is FNV-1a 32 of the UTF-8 bytes, with its published values", () => {
    expect(stableHash("")).toBe(0x811c9dc5);
    expect(stableHash("a")).toBe(3826002220);
    expect(stableHash("foobar")).toBe(0xbf9cf968);
  });

  it("equals FNV-1a of TextEncoder's bytes for ASCII, 2-, 3- and 4-byte chars, lone surrogates, and ASCII before and after them", () => {
    const keys = [
      "station1234",
      "user-42",
      "x".repeat(1000),
      "é",
      "café",
      "naïve-key-with-ascii-after",
      "東京",
      "ascii then 東京 then ascii",
      "😀",
      "emoji 😀 in the middle",
      "\ud800",
      "lone \udc00 low",
      "high at end \ud83d",
      "\u007f\u0080\u07ff\u0800\uffff",
    ];
    for (const key of keys) expect(stableHash(key), JSON.stringify(key)).toBe(reference(key));
  });

  it("equals the reference on random strings mixing every kind of char", () => {
    let seed = 7;
    const rand = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const pools = [() => 0x20 + rand(0x5f), () => 0x80 + rand(0x780), () => 0x800 + rand(0xd000), () => 0xd800 + rand(0x800)];
    for (let k = 0; k < 2000; k++) {
      const codes: number[] = [];
      const len = rand(24);
      for (let j = 0; j < len; j++) codes.push(pools[rand(k % 3 === 0 ? 1 : 4)]());
      const key = String.fromCharCode(...codes);
      expect(stableHash(key)).toBe(reference(key));
    }
  });
});

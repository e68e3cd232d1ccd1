import { describe, expect, it } from "vitest";
import { FrameDecoder, encodeFrame, type FrameFormat } from "../../../src/connectors/tcp/index.js";
import { ConnectorError } from "../../../src/errors.js";

const FORMATS: Required<FrameFormat>[] = [1, 2, 4, 8].flatMap((headerLength) =>
  (["big", "little"] as const).map((endian) => ({ headerLength: headerLength as 1 | 2 | 4 | 8, endian })),
);

function payloads(headerLength: number): Buffer[] {
  const long = headerLength === 1 ? 255 : 1000;
  return [Buffer.from("hello"), Buffer.alloc(0), Buffer.from("é€😀"), Buffer.alloc(long, 0x61), Buffer.from([0, 1, 2, 255])];
}

/** Deterministic pseudo-random chunk sizes. */
function chunkings(bytes: Buffer, seed: number): Buffer[] {
  const out: Buffer[] = [];
  let s = seed;
  for (let pos = 0; pos < bytes.length; ) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const n = 1 + (s % 17);
    out.push(bytes.subarray(pos, pos + n));
    pos += n;
  }
  return out;
}

describe("encodeFrame", () => {
  it("writes the payload length in the header, payload bytes only", () => {
    const hi = Buffer.from("hi");
    expect([...encodeFrame(hi)]).toEqual([0, 0, 0, 2, 0x68, 0x69]);
    expect([...encodeFrame(hi, { headerLength: 1 })]).toEqual([2, 0x68, 0x69]);
    expect([...encodeFrame(hi, { headerLength: 2 })]).toEqual([0, 2, 0x68, 0x69]);
    expect([...encodeFrame(hi, { headerLength: 2, endian: "little" })]).toEqual([2, 0, 0x68, 0x69]);
    expect([...encodeFrame(hi, { headerLength: 4, endian: "little" })]).toEqual([2, 0, 0, 0, 0x68, 0x69]);
    expect([...encodeFrame(hi, { headerLength: 8 })]).toEqual([0, 0, 0, 0, 0, 0, 0, 2, 0x68, 0x69]);
    expect([...encodeFrame(hi, { headerLength: 8, endian: "little" })]).toEqual([2, 0, 0, 0, 0, 0, 0, 0, 0x68, 0x69]);
    expect([...encodeFrame(Buffer.alloc(0x0102, 7), { headerLength: 2 }).subarray(0, 2)]).toEqual([1, 2]);
    expect([...encodeFrame(new Uint8Array([9]), { headerLength: 1 })]).toEqual([1, 9]);
  });

  it("rejects payloads too long for the header and bad formats", () => {
    expect(() => encodeFrame(Buffer.alloc(256), { headerLength: 1 })).toThrow(RangeError);
    expect(() => encodeFrame(Buffer.alloc(256), { headerLength: 1 })).toThrow(/256 bytes does not fit a 1-byte length header \(at most 255\)/);
    expect(() => encodeFrame(Buffer.alloc(65536), { headerLength: 2 })).toThrow(/at most 65535/);
    expect(() => encodeFrame(Buffer.alloc(1), { headerLength: 3 as 4 })).toThrow(/headerLength must be 1, 2, 4 or 8; got 3/);
    expect(() => encodeFrame(Buffer.alloc(1), { endian: "middle" as "big" })).toThrow(/endian must be "big" or "little"/);
    expect(() => encodeFrame("text" as unknown as Buffer)).toThrow(TypeError);
  });
});

describe("FrameDecoder", () => {
  for (const format of FORMATS) {
    it(`decodes ${format.headerLength}-byte ${format.endian}-endian frames whatever the chunking`, () => {
      const expected = payloads(format.headerLength);
      const stream = Buffer.concat(expected.map((p) => encodeFrame(p, format)));
      // All at once: several frames in one chunk.
      expect(new FrameDecoder(format).push(stream)).toEqual(expected);
      // One byte at a time: every header and payload split.
      const bytewise = new FrameDecoder(format);
      const got: Buffer[] = [];
      for (let i = 0; i < stream.length; i++) bytewise.push(stream.subarray(i, i + 1), got);
      expect(got).toEqual(expected);
      expect(bytewise.midFrame).toBe(false);
      // Random chunk sizes.
      for (const seed of [1, 2, 3]) {
        const d = new FrameDecoder(format);
        const out: Buffer[] = [];
        for (const c of chunkings(stream, seed)) d.push(c, out);
        expect(out).toEqual(expected);
      }
    });
  }

  it("tracks an incomplete frame", () => {
    const d = new FrameDecoder({ headerLength: 2 });
    expect(d.midFrame).toBe(false);
    expect(d.push(Buffer.from([0]))).toEqual([]);
    expect([d.midFrame, d.pendingBytes]).toEqual([true, 1]);
    expect(d.push(Buffer.from([3, 0x61]))).toEqual([]);
    expect([d.midFrame, d.pendingBytes]).toEqual([true, 3]);
    expect(d.push(Buffer.from([0x62, 0x63, 0, 1]))).toEqual([Buffer.from("abc")]);
    expect([d.midFrame, d.pendingBytes]).toEqual([true, 2]);
    expect(d.push(Buffer.from([0x7a]))).toEqual([Buffer.from("z")]);
    expect([d.midFrame, d.pendingBytes]).toEqual([false, 0]);
  });

  it("returns views without copying when a frame lies in one chunk, and never changes them", () => {
    const d = new FrameDecoder({ headerLength: 1 });
    const chunk = Buffer.from([2, 0x61, 0x62, 1]);
    const [ab] = d.push(chunk);
    expect(ab.buffer).toBe(chunk.buffer);
    const [c] = d.push(Buffer.from([0x63, 5, 1, 2]));
    expect(c.toString()).toBe("c");
    expect(ab.toString()).toBe("ab");
  });

  it("throws a ConnectorError for a frame over maxFrameBytes, keeping the frames before it", () => {
    const d = new FrameDecoder({ headerLength: 4, maxFrameBytes: 10 });
    const out: Buffer[] = [];
    const stream = Buffer.concat([encodeFrame(Buffer.from("ok")), encodeFrame(Buffer.alloc(11)), encodeFrame(Buffer.from("lost"))]);
    expect(() => d.push(stream, out)).toThrow(ConnectorError);
    expect(out).toEqual([Buffer.from("ok")]);
    expect(() => d.push(encodeFrame(Buffer.from("x")))).toThrow("frame of 11 bytes is larger than maxFrameBytes (10)");
  });

  it("accepts a frame of exactly maxFrameBytes", () => {
    const d = new FrameDecoder({ maxFrameBytes: 10 });
    expect(d.push(encodeFrame(Buffer.alloc(10, 1)))).toEqual([Buffer.alloc(10, 1)]);
  });

  it("reads 8-byte lengths as BigInt: too large for maxFrameBytes or for a safe integer is an error", () => {
    const header = Buffer.alloc(8);
    header.writeBigUInt64BE(2n ** 40n);
    expect(() => new FrameDecoder({ headerLength: 8 }).push(header)).toThrow(`frame of ${2 ** 40} bytes is larger than maxFrameBytes (16777216)`);
    header.writeBigUInt64BE(2n ** 63n + 5n);
    expect(() => new FrameDecoder({ headerLength: 8 }).push(header)).toThrow(/9223372036854775813 bytes .* Number.MAX_SAFE_INTEGER/);
    header.writeBigUInt64LE(BigInt(Number.MAX_SAFE_INTEGER) + 1n);
    expect(() => new FrameDecoder({ headerLength: 8, endian: "little" }).push(header)).toThrow(/MAX_SAFE_INTEGER/);
  });

  it("rejects bad options with a RangeError", () => {
    expect(() => new FrameDecoder({ headerLength: 16 as 8 })).toThrow(RangeError);
    expect(() => new FrameDecoder({ maxFrameBytes: -1 })).toThrow(/maxFrameBytes must be an integer/);
  });
});

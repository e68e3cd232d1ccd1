import { describe, expect, it } from "vitest";
import { TestingSink } from "../../src/testing/testingSink.js";

describe("TestingSink", () => {
  it("appends every written item from every worker's partition to the array", async () => {
    const out: number[] = [0];
    const sink = new TestingSink(out);
    const w0 = await sink.build("f.out", 0, 2);
    const w1 = await sink.build("f.out", 1, 2);
    await w0.writeBatch([1, 2]);
    await w1.writeBatch([3]);
    await w0.writeBatch([]);
    await w0.writeBatch([4]);
    expect(out).toEqual([0, 1, 2, 3, 4]);
  });
});

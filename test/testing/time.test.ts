import { describe, expect, it } from "vitest";
import { TimeTestingGetter } from "../../src/testing/time.js";

describe("TimeTestingGetter", () => {
  it("returns the start time and moves only when advanced", () => {
    const start = new Date("2024-01-01T00:00:00Z");
    const clock = new TimeTestingGetter(start);
    start.setUTCFullYear(2000); // the constructor copied it
    expect(clock.get()).toEqual(new Date("2024-01-01T00:00:00Z"));
    clock.advance(1500);
    expect(clock.get().toISOString()).toBe("2024-01-01T00:00:01.500Z");
    clock.advance(-500);
    expect(clock.get().toISOString()).toBe("2024-01-01T00:00:01.000Z");
  });

  it("returns a new Date each call, so mutating it does not move the clock", () => {
    const clock = new TimeTestingGetter(new Date(0));
    const a = clock.get();
    expect(clock.get()).not.toBe(a);
    a.setTime(99_999);
    expect(clock.get().getTime()).toBe(0);
  });

  it("rejects invalid input", () => {
    expect(() => new TimeTestingGetter(new Date("nope"))).toThrow(RangeError);
    expect(() => new TimeTestingGetter(new Date(0)).advance(Number.NaN)).toThrow(RangeError);
  });
});

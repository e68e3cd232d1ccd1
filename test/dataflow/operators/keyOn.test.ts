import { describe, expect, it } from "vitest";
import { op } from "../../../src/index.js";
import { failThrough, runThrough } from "../helpers.js";

describe("op.keyOn", () => {
  it("emits [key(x), x]", async () => {
    const events = [
      { user: "a", n: 1 },
      { user: "b", n: 2 },
    ];
    expect(await runThrough(events, (s) => s.keyOn("by_user", (e) => e.user))).toEqual([
      ["a", { user: "a", n: 1 }],
      ["b", { user: "b", n: 2 }],
    ]);
  });

  it("works the same in op form, and accepts the empty string as a key", async () => {
    expect(await runThrough(["", "x"], (s) => op.keyOn("self", s, (x) => x), { batchSize: 2 })).toEqual([
      ["", ""],
      ["x", "x"],
    ]);
  });

  it("a non-string key is a StepError with a TypeError cause", async () => {
    await failThrough([1, 2], (s) => s.keyOn("k", (x) => x as unknown as string), {
      stepId: "f.k",
      message: ["error calling `key` in step 'f.k'", "key function must return a string; got number"],
      cause: TypeError,
    });
    await failThrough([{ id: 1 }], (s) => op.keyOn("k", s, (x) => x as unknown as string), {
      stepId: "f.k",
      message: "must return a string; got object",
      cause: TypeError,
    });
  });

  it("a throwing key function is a StepError keeping the cause", async () => {
    const boom = new Error("no id");
    const err = await failThrough(
      [1],
      (s) =>
        s.keyOn("k", () => {
          throw boom;
        }),
      { stepId: "f.k", message: "error calling `key` in step 'f.k': no id" },
    );
    expect(err.cause).toBe(boom);
  });
});

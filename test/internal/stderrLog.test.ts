import { describe, expect, it } from "vitest";
import { formatLogEntry, logFormatFromEnv, StderrLog } from "../../src/internal/stderrLog.js";

const NOW = new Date("2026-01-02T03:04:05.678Z");

describe("formatLogEntry", () => {
  it("writes text as `sluice: msg`, or `sluice <command>: msg`, then the lines of `more`; fields are left out", () => {
    expect(formatLogEntry({ level: "info", msg: "epoch 3 closed", fields: { epoch: 3 } }, "text", NOW)).toBe("sluice: epoch 3 closed\n");
    expect(formatLogEntry({ level: "error", command: "run", msg: "boom", more: ["at a", "at b"] }, "text", NOW)).toBe(
      "sluice run: boom\nat a\nat b\n",
    );
  });

  it("writes JSON on one line: time, level, msg, command, then the fields, leaving out undefined ones and `more`", () => {
    const line = formatLogEntry(
      { level: "warn", command: "run", msg: 'say "hi"\nthere', fields: { event: "x", epoch: 3, stored: undefined, ok: true }, more: ["text only"] },
      "json",
      NOW,
    );
    expect(line).toBe('{"time":"2026-01-02T03:04:05.678Z","level":"warn","msg":"say \\"hi\\"\\nthere","command":"run","event":"x","epoch":3,"ok":true}\n');
  });

  it("keeps time, level and msg when a field has the same name", () => {
    const line = JSON.parse(formatLogEntry({ level: "info", msg: "m", fields: { level: "fake", time: "t", n: 1 } }, "json", NOW));
    expect(line).toEqual({ time: NOW.toISOString(), level: "info", msg: "m", n: 1 });
  });
});

describe("logFormatFromEnv", () => {
  it("is json only for SLUICE_LOG_FORMAT=json (any case, spaces around), else text", () => {
    expect(logFormatFromEnv({ SLUICE_LOG_FORMAT: "json" })).toBe("json");
    expect(logFormatFromEnv({ SLUICE_LOG_FORMAT: " JSON " })).toBe("json");
    expect(logFormatFromEnv({ SLUICE_LOG_FORMAT: "text" })).toBe("text");
    expect(logFormatFromEnv({ SLUICE_LOG_FORMAT: "yaml" })).toBe("text");
    expect(logFormatFromEnv({})).toBe("text");
  });
});

describe("StderrLog", () => {
  it("writes each entry at its level through the given writer", () => {
    const written: string[] = [];
    const log = new StderrLog("json", (text) => written.push(text));
    log.info("a", { n: 1 });
    log.warn("b");
    log.error("c");
    expect(written.map((text) => JSON.parse(text) as { level: string; msg: string })).toMatchObject([
      { level: "info", msg: "a", n: 1 },
      { level: "warn", msg: "b" },
      { level: "error", msg: "c" },
    ]);
    expect(written.every((text) => text.endsWith("}\n"))).toBe(true);
  });
});

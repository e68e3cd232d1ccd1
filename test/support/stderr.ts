/**
 * What this process writes on stderr during each test (Sluice's log lines),
 * kept instead of printed.
 */
import { afterEach, beforeEach, vi } from "vitest";

/** Keep stderr's writes of every test of the file in the returned array (emptied before each test). */
export function captureStderr(): string[] {
  const lines: string[] = [];
  beforeEach(() => {
    lines.length = 0;
    vi.spyOn(process.stderr, "write").mockImplementation((text: string | Uint8Array) => {
      lines.push(String(text));
      return true;
    });
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });
  return lines;
}

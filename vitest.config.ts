import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Builds dist/ once: CLI tests run the real bin, and fixtures import "sluice".
    globalSetup: ["./test/globalSetup.ts"],
    typecheck: { enabled: true, include: ["test/types/**/*.test-d.ts"] },
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});

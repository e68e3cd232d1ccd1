import { configDefaults, defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Needs @confluentinc/kafka-javascript, built by scripts/confluent.sh: `npm run test:confluent` (vitest.confluent.config.ts).
    exclude: [...configDefaults.exclude, "test/connectors/kafka/confluent.test.ts"],
    // Builds dist/ once: CLI tests run the real bin, and fixtures import "sluice".
    // ...and starts a real Kafka broker (scripts/kafka.sh) unless KAFKA_BROKERS names one.
    globalSetup: ["./test/globalSetup.ts", "./test/kafkaSetup.ts"],
    // Opt-in (SLUICE_SLEEP_AUDIT=<file>): how long each test file waits on real timers.
    setupFiles: ["./test/support/sleepAudit.ts"],
    typecheck: { enabled: true, include: ["test/types/**/*.test-d.ts"] },
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});

import { defineConfig } from "vitest/config";
import base from "./vitest.config.js";

// The Kafka connectors through Confluent's client: `npm run test:confluent`, with
// SLUICE_CONFLUENT_DIR=<the directory `bash scripts/confluent.sh` prints> (else the file fails, saying so).
// The base config's setup (dist/ built, the Kafka broker), this one file only.
export default defineConfig({
  ...base,
  test: { ...base.test, include: ["test/connectors/kafka/confluent.test.ts"], exclude: [], typecheck: { enabled: false } },
});

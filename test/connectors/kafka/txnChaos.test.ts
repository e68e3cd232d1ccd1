// Kafka -> keyed state -> transactional KafkaSink under SIGKILL: at least 20
// kills in the middle of runs (many between an epoch's stored snapshot and
// its Kafka commit), on 1 worker and on worker counts changing between
// restarts. A read_committed reader of the output finds every result once.
import { describe, it } from "vitest";
import { chaos } from "./txnChaosRun.js";

const KILLS = 20;
const options = { kills: KILLS, perPartition: 6000 };

describe("Kafka -> keyed state -> transactional KafkaSink under SIGKILL", () => {
  it(`every result exactly once after ${KILLS} kills on 1 worker`, () => chaos("w1", Number(process.env.KAFKA_TXN_SEED ?? 20261207), () => 1, options), 240_000);
  it(`every result exactly once after ${KILLS} kills on 1, 2 and 3 workers in turn`, () =>
    chaos("rescale", Number(process.env.KAFKA_TXN_SEED ?? 20261208), (i) => [2, 1, 3][i % 3], options), 240_000);
});

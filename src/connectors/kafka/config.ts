/**
 * kafkajs options the Kafka connectors pass through.
 *
 * @module
 */
import type { ConsumerConfig, KafkaConfig } from "kafkajs";

/**
 * kafkajs client options (everything of kafkajs's `KafkaConfig` but
 * `brokers`, which the connectors take on their own): `ssl`, `sasl`,
 * `clientId`, `connectionTimeout`, `requestTimeout`, `retry`, `logLevel`,
 * `logCreator`, `socketFactory`. Sluice's defaults: `clientId: "sluice"`,
 * `logLevel: logLevel.WARN`, a `logCreator` writing kafkajs's lines to
 * Sluice's log ("kafkajs [Connection]: …"), and `retry: { retries: 3,
 * initialRetryTime: 300, maxRetryTime: 2000 }` (about 2 s: the connectors'
 * own retries, for up to `outageTimeout`, take over from there).
 *
 * `ssl` and `sasl` are how the connectors reach a secured cluster (TLS,
 * SASL/SCRAM; see "Security" in the Kafka guide). A refused login, a SASL
 * mechanism the brokers do not offer, or a broker certificate that is not
 * trusted, has expired or is for another host fails the run at once (it is
 * not retried for `outageTimeout`) with a `ConnectorError` naming the
 * brokers, the mechanism and the user, or what is wrong with the
 * certificate; never the password, which neither errors, Sluice's log nor
 * the connectors' own properties show.
 *
 * @category Connectors
 * @example
 * ```ts
 * const clientConfig: KafkaClientConfig = {
 *   clientId: "billing",
 *   ssl: true,
 *   sasl: { mechanism: "scram-sha-512", username: "billing", password: process.env.KAFKA_PASSWORD! },
 * };
 * new KafkaSource({ brokers: ["kafka-1:9093"], topics: ["invoices"], clientConfig });
 * ```
 */
export type KafkaClientConfig = Omit<KafkaConfig, "brokers">;

/**
 * kafkajs consumer options a `KafkaSource` passes on: everything of
 * kafkajs's `ConsumerConfig` but `groupId` and `partitionAssigners`, which
 * are Sluice's (a group of its own per reader, pinned partitions). Sluice's
 * default: `maxWaitTimeInMs: 500`.
 *
 * @category Connectors
 * @example
 * ```ts
 * // Smaller fetches: less memory per partition, more requests.
 * const consumerConfig: KafkaConsumerConfig = { maxBytesPerPartition: 64 * 1024, readUncommitted: false };
 * new KafkaSource({ brokers: ["127.0.0.1:9092"], topics: ["events"], consumerConfig });
 * ```
 */
export type KafkaConsumerConfig = Omit<ConsumerConfig, "groupId" | "partitionAssigners">;

/**
 * Kafka connectors on kafkajs: {@link KafkaSource} (one partition per
 * topic-partition, resumable by offset, no consumer-group commits),
 * {@link KafkaSink} (batched, at least once), the `kop` operators
 * (`kop.input` → `{ oks, errs }`, `kop.output`, `kop.serializeKey/Value`,
 * `kop.deserializeKey/Value`) and the JSON, UTF-8 and raw codecs.
 * `import { KafkaSource, KafkaSink, kop, jsonCodec } from "sluice/connectors/kafka"`.
 *
 * kafkajs is a dependency of Sluice, imported only by this entry point.
 * See the Kafka guide (`docs/kafka.md`) for partitions and workers, offsets
 * and resume, delivery guarantees and error handling.
 *
 * @module sluice/connectors/kafka
 */
export { KafkaSource, type KafkaSourceOptions, type KafkaSourceItem } from "./kafkaSource.js";
export { KafkaSink, type KafkaSinkOptions, type KafkaTransactionalOptions } from "./kafkaSink.js";
export { type KafkaSourceMessage, type KafkaSourceError, type KafkaSinkMessage, type KafkaHeaders } from "./messages.js";
export { jsonCodec, utf8Codec, rawCodec, type KafkaSerializer, type KafkaDeserializer, type KafkaCodec } from "./codecs.js";
export { type KafkaClientConfig, type KafkaConsumerConfig } from "./config.js";
export { confluentClient, type ConfluentKafka } from "./confluentClient.js";
export { type KafkaClient } from "./internal/kafkaClient.js";
export * as kop from "./operators/index.js";
export { type KafkaOpOut } from "./operators/kafkaOpOut.js";
export { type KafkaInputOptions } from "./operators/input.js";

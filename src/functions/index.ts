/**
 * Stateful functions, Flink StateFun's model on a dataflow: addressable
 * functions with per-address state that message each other, with delays,
 * and emit to egresses, exactly once through Sluice's snapshots. Functions
 * are TypeScript (`bind`) or served over HTTP by any StateFun SDK
 * (`remote`, request-reply protocol v3). Kafka ingress and egress come as
 * `kafkaIngress` and `kafkaEgress` around `KafkaSource` and `KafkaSink`.
 * The guide is `docs/functions.md`.
 *
 * @module sluice/functions
 */
export { types, jsonType, simpleType, type Type, type TypeValue } from "./types.js";
export { message, Message, type Address, type TypedValue, type EgressMessage } from "./message.js";
export {
  bind,
  valueSpec,
  type ValueSpec,
  type ValueSpecOptions,
  type Specs,
  type Storage,
  type Context,
  type FunctionBody,
  type BindOptions,
  type BoundFunction,
} from "./bind.js";
export { remote, type RemoteOptions, type RemoteModule } from "./remote.js";
export { applyFunctions, type ApplyFunctionsOptions, type FunctionsResult } from "./applyFunctions.js";
export {
  kafkaEgressType,
  kafkaEgress,
  kafkaIngress,
  type KafkaEgressRecord,
  type KafkaIngressRoute,
  type KafkaIngressRoutes,
  type KafkaIngressRouter,
} from "./kafka.js";

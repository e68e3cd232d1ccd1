/**
 * Sluice: stateful stream processing for TypeScript.
 *
 * Build a {@link Dataflow} of steps between sources and sinks, then run it
 * with {@link runMain} or `sluice run flow.ts`.
 *
 * @module sluice
 */
export { Dataflow } from "./dataflow/dataflow.js";
export { Stream, type KeyedStream } from "./dataflow/stream.js";
export {
  defineOperator,
  type OperatorInputs,
  type OperatorOutputs,
  type StepContext,
} from "./dataflow/internal/operator.js";
export type { StepNode } from "./dataflow/internal/steps.js";
export { type AnyClass, type DataflowOptions, type ExchangeClass, type ExchangeClassCodec } from "./dataflow/dataflow.js";
export { StatefulBatchLogic, StatefulLogic, type LogicResult, type StatefulBatchBuilder, type StatefulBuilder } from "./dataflow/stateful/logic.js";
export { defaultSerde, type StateSerde } from "./recovery/serde.js";
export { RecoveryConfig, type RecoveryOptions } from "./recovery/config.js";
export { initDbDir } from "./recovery/initDbDir.js";
export * as op from "./dataflow/operators/index.js";
export * as win from "./dataflow/windowing/index.js";
export { runMain, type RunOptions, type ServeOptions } from "./run/runMain.js";
export { cliMain, type CliMainOptions } from "./run/cliMain.js";
export type { ClusterOptions } from "./cluster/clusterOptions.js";
export {
  AbortExecution,
  BuildError,
  ConnectorError,
  CorruptStateError,
  DataflowError,
  ExchangeValueError,
  InconsistentPartitionsError,
  MissingPartitionsError,
  NoPartitionsError,
  PartitionFileError,
  type PartitionFileProblem,
  RecoveryError,
  StepError,
  type StepErrorContext,
} from "./errors.js";
export { seconds, minutes, hours } from "./time.js";
export { RunClock, type RunContext } from "./clock.js";
export * from "./inputs/index.js";
export * from "./outputs/index.js";

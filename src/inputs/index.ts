/**
 * Source contracts and batching helpers for writing custom connectors:
 * `import { ... } from "sluice/inputs"`.
 *
 * @module sluice/inputs
 */
export {
  DynamicSource,
  FixedPartitionedSource,
  StatefulSourcePartition,
  StatelessSourcePartition,
  type Source,
} from "./source.js";
export { AbortExecution } from "../errors.js";
export { SimplePollingSource, SimplePollingRetry, type SimplePollingOptions } from "./simplePolling.js";
export { batch, batchAsync, batchGetter, batchGetterEx } from "./batching.js";

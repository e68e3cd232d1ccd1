/**
 * Sink contracts for writing custom connectors: `import { ... } from "sluice/outputs"`.
 *
 * @module sluice/outputs
 */
export {
  DynamicSink,
  FixedPartitionedSink,
  StatefulSinkPartition,
  StatelessSinkPartition,
  type Sink,
} from "./sink.js";
export { stableHash } from "../internal/hash.js";

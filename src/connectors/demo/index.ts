/**
 * Demo connectors, for tutorials and load tests:
 * `import { RandomMetricSource } from "sluice/connectors/demo"`.
 *
 * @module sluice/connectors/demo
 */
export { RandomMetricSource, type RandomMetricSourceOptions } from "./randomMetricSource.js";

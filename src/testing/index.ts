/**
 * Helpers for testing dataflows and connectors:
 * `import { TestingSource, TestingSink, runMain } from "sluice/testing"`.
 *
 * @module sluice/testing
 */
export * from "./testingSource.js";
export { TestingSink } from "./testingSink.js";
export { TimeTestingGetter } from "./time.js";
export { VirtualClock } from "./virtualClock.js";
export { pollNextBatch, ffwdIter } from "./poll.js";
export { runMain, type RunOptions } from "../run/runMain.js";

/**
 * The built-in operators. Each is also a method of `Stream` with the same
 * arguments minus `up`.
 *
 * @module
 */
export { input } from "./input.js";
export { output } from "./output.js";
export { flatMapBatch } from "./flatMapBatch.js";
export { map } from "./map.js";
export { mapAsync, type MapAsyncOptions } from "./mapAsync.js";
export { flatMap } from "./flatMap.js";
export { filter } from "./filter.js";
export { filterMap } from "./filterMap.js";
export { flatten } from "./flatten.js";
export { keyOn } from "./keyOn.js";
export { keyRm } from "./keyRm.js";
export { mapValue } from "./mapValue.js";
export { flatMapValue } from "./flatMapValue.js";
export { filterValue } from "./filterValue.js";
export { filterMapValue } from "./filterMapValue.js";
export { inspect } from "./inspect.js";
export { inspectDebug } from "./inspectDebug.js";
export { merge, type ItemOf } from "./merge.js";
export { branch, type BranchOut } from "./branch.js";
export { redistribute } from "./redistribute.js";
export { raises } from "./raises.js";
export { statefulBatch } from "./statefulBatch.js";
export { stateful } from "./stateful.js";
export { statefulMap } from "./statefulMap.js";
export { statefulFlatMap } from "./statefulFlatMap.js";
export { collect, type CollectOptions } from "./collect.js";
export { foldFinal } from "./foldFinal.js";
export { reduceFinal } from "./reduceFinal.js";
export { countFinal } from "./countFinal.js";
export { maxFinal } from "./maxFinal.js";
export { minFinal } from "./minFinal.js";
export { join, type JoinEmitMode, type JoinInsertMode, type JoinOptions, type JoinRow } from "./join.js";
export { enrichCached, TTLCache, type EnrichCachedOptions } from "./enrichCached.js";
export { feedback, type Feedback } from "./feedback.js";

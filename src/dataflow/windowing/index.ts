/**
 * Windowing: group each key's values into time windows and compute over
 * them. Pick a clock ({@link SystemClock}, {@link EventClock}) and a
 * windower ({@link TumblingWindower}, {@link SlidingWindower},
 * {@link SessionWindower}), then an operator; every operator returns
 * `{ down, late, meta }`. See the windowing guide.
 *
 * @module
 */
export { Clock } from "./clock.js";
export { SystemClock } from "./systemClock.js";
export { EventClock, type EventClockOptions } from "./eventClock.js";
export { Windower } from "./windower.js";
export { TumblingWindower } from "./tumblingWindower.js";
export { SlidingWindower } from "./slidingWindower.js";
export { SessionWindower, LATE_SESSION_ID } from "./sessionWindower.js";
export type { WindowMetadata } from "./windowMetadata.js";
export { WindowLogic, type WindowLogicBuilder } from "./windowLogic.js";
export { window, type WindowOut, type WindowOptions } from "./window.js";
export { foldWindow } from "./foldWindow.js";
export { collectWindow, type CollectWindowOptions } from "./collectWindow.js";
export { reduceWindow } from "./reduceWindow.js";
export { maxWindow } from "./maxWindow.js";
export { minWindow } from "./minWindow.js";
export { countWindow } from "./countWindow.js";
export { joinWindow, type JoinWindowOptions } from "./joinWindow.js";
export type { Aggregation } from "./aggregation.js";
export { aggregateWindow, type AggregateWindowOptions } from "./aggregateWindow.js";
export type { LatePolicy } from "./latePolicy.js";
export { countAggregate, type CountAggregateOptions } from "./countAggregate.js";

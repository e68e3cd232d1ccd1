/**
 * RxJS connectors: read an Observable as a source, and observe a flow's
 * results as an Observable.
 * `import { ObservableSource, ObserverSink, toObservable } from "sluice/connectors/rxjs"`.
 *
 * Needs rxjs 7 (an optional peer dependency of Sluice); no other entry
 * point of Sluice imports it.
 *
 * @module sluice/connectors/rxjs
 */
export { ObservableSource, type ObservableSourceOptions, type ObservableOverflow } from "./observableSource.js";
export { ObserverSink } from "./observerSink.js";
export { toObservable } from "./toObservable.js";

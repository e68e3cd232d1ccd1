/**
 * The mark `sluice run` (and each worker thread of a run) sets while it
 * imports a flow module, so that a module which runs its own flow at its top
 * level (`cliMain`, `runMain`) does not start a second run there.
 *
 * @module
 * @internal
 */

/** @internal Set on `globalThis` while the CLI or a worker imports a flow module (`Symbol.for`: every copy of sluice sees it). */
export const LOADING_FOR_CLI = Symbol.for("sluice.loadingForCli");

/** @internal Whether a flow module is being imported by the CLI or a worker in this thread right now. */
export function loadingForCli(): boolean {
  return (globalThis as Record<symbol, unknown>)[LOADING_FOR_CLI] === true;
}

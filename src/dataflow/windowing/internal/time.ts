/**
 * Instants inside the windowing machinery: epoch milliseconds (`number`),
 * with `-Infinity` / `Infinity` for the two ends of time.
 *
 * @module
 * @internal
 */
import { BuildError, describeType } from "../../../errors.js";

/** @internal The watermark before any value: nothing is late yet. */
export const START_OF_TIME = -Infinity;

/** @internal The watermark at EOF: every window closes. */
export const END_OF_TIME = Infinity;

/** @internal Check a duration given to a clock or windower (ms). */
export function checkDuration(
  what: string,
  ms: unknown,
  { allowZero, allowInfinity }: { allowZero: boolean; allowInfinity: boolean },
): number {
  const ok =
    typeof ms === "number" &&
    !Number.isNaN(ms) &&
    (allowZero ? ms >= 0 : ms > 0) &&
    (allowInfinity ? ms !== -Infinity : Number.isFinite(ms));
  if (!ok) {
    const shape = `${allowZero ? ">= 0" : "> 0"}${allowInfinity ? " (or Infinity)" : " and finite"}`;
    throw new BuildError(`${what} must be a number of milliseconds ${shape}; got ${typeof ms === "number" ? String(ms) : describeType(ms)}`);
  }
  return ms;
}

/** @internal Check an instant given to a windower; returns epoch ms. */
export function checkInstant(what: string, at: unknown): number {
  if (!(at instanceof Date) || Number.isNaN(at.getTime())) {
    throw new BuildError(`${what} must be a valid Date; got ${at instanceof Date ? "an invalid Date" : describeType(at)}`);
  }
  return at.getTime();
}

/** @internal Epoch ms of a Date returned by user code, or a `TypeError` naming `fn`. */
export function instantOf(at: unknown, fn: string): number {
  if (!(at instanceof Date)) throw new TypeError(`\`${fn}\` must return a Date; got ${describeType(at)}`);
  const t = at.getTime();
  if (Number.isNaN(t)) throw new TypeError(`\`${fn}\` must return a valid Date; got an invalid Date`);
  return t;
}

/**
 * Validation of what stateful logics and mappers return.
 *
 * @module
 * @internal
 */
import { describeType } from "../../errors.js";
import type { LogicResult } from "./logic.js";

/**
 * @internal The result "emit nothing, keep the state", shared (frozen) by
 * built-in logics: the stateful node recognizes it without checking it.
 */
export const RETAIN_NOTHING: LogicResult<never> = Object.freeze([Object.freeze([]) as never[], false] as const);

/** @internal Check a `[iterable, boolean]` logic result. */
export function checkLogicResult(r: unknown, method: string): LogicResult<unknown> {
  if (
    !Array.isArray(r) ||
    r.length !== 2 ||
    typeof r[1] !== "boolean" ||
    r[0] == null ||
    typeof (r[0] as Iterable<unknown>)[Symbol.iterator] !== "function"
  ) {
    throw new TypeError(`\`${method}\` must return [iterableOfValues, discard: boolean]; got ${describeType(r)}`);
  }
  return r as unknown as LogicResult<unknown>;
}

/** @internal Check a `[a, b]` pair returned by a user function. */
export function checkPair(r: unknown, what: string): readonly [unknown, unknown] {
  if (!Array.isArray(r) || r.length !== 2) throw new TypeError(`${what}; got ${describeType(r)}`);
  return r as unknown as readonly [unknown, unknown];
}

/** @internal Check that a user function returned an iterable. */
export function checkIterable(r: unknown, what: string): Iterable<unknown> {
  if (r == null || typeof (r as Iterable<unknown>)[Symbol.iterator] !== "function") {
    throw new TypeError(`${what}; got ${describeType(r)}`);
  }
  return r as Iterable<unknown>;
}

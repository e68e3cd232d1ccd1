/**
 * Duration helpers: every duration in Sluice is a number of milliseconds.
 *
 * @module
 */

/**
 * `n` seconds in milliseconds.
 *
 * @param n - Seconds (may be fractional).
 * @returns Milliseconds.
 * @category Time
 * @example
 * ```ts
 * seconds(1.5); // 1500
 * ```
 */
export function seconds(n: number): number {
  return n * 1000;
}

/**
 * `n` minutes in milliseconds.
 *
 * @param n - Minutes.
 * @returns Milliseconds.
 * @category Time
 * @example
 * ```ts
 * minutes(2); // 120000
 * ```
 */
export function minutes(n: number): number {
  return n * 60_000;
}

/**
 * `n` hours in milliseconds.
 *
 * @param n - Hours.
 * @returns Milliseconds.
 * @category Time
 * @example
 * ```ts
 * hours(1); // 3600000
 * ```
 */
export function hours(n: number): number {
  return n * 3_600_000;
}

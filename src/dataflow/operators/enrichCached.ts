import { BuildError } from "../../errors.js";
import type { Stream } from "../stream.js";
import { defineOperator, builtin } from "../internal/operator.js";
import { map } from "./map.js";

/**
 * A read-through cache with a time to live, handed to the mapper of
 * {@link enrichCached}: `get(key)` calls the getter on a miss or when the
 * cached value is older than the TTL.
 *
 * @typeParam DV - Cached value type.
 * @category Stateless
 * @example
 * ```ts
 * const cache = new TTLCache((code: string) => lookUpCountry(code), minutes(5));
 * cache.get("fr"); // calls lookUpCountry("fr") once per 5 minutes
 * ```
 */
export class TTLCache<DV> {
  private readonly entries = new Map<string, { value: DV; at: number }>();

  /**
   * @param getter - Fetches the value of a key.
   * @param ttl - How long a value stays fresh, in ms.
   * @param now - Clock (default `Date.now`), for tests.
   */
  constructor(
    private readonly getter: (key: string) => DV,
    private readonly ttl: number,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The value of `key`, fetched if missing or stale.
   *
   * @param key - The key.
   * @returns The cached or fetched value.
   */
  get(key: string): DV {
    const t = this.now();
    const hit = this.entries.get(key);
    if (hit !== undefined && t - hit.at < this.ttl) return hit.value;
    const value = this.getter(key);
    this.entries.set(key, { value, at: t });
    return value;
  }

  /**
   * Forget `key`, so the next `get` fetches it.
   *
   * @param key - The key.
   */
  remove(key: string): void {
    this.entries.delete(key);
  }
}

/**
 * Options of {@link enrichCached}.
 *
 * @category Stateless
 */
export interface EnrichCachedOptions {
  /** How long a fetched value is reused, in ms (default: forever). */
  ttl?: number;
  /** Clock in ms, for tests (default `Date.now`). */
  now?: () => number;
}

/**
 * Enrich items with data from a slow lookup (a database, an HTTP API),
 * through a per-step TTL cache: `mapper(cache, item)` calls `cache.get(key)`,
 * which calls `getter(key)` only on a miss or after `ttl`. The cache is not
 * part of the recovery state.
 *
 * @param stepId - The step's name.
 * @param up - Stream to enrich.
 * @param getter - Fetches the data for a key.
 * @param mapper - Builds the new item from the cache and the item.
 * @param options - `ttl` in ms.
 * @returns The stream of enriched items.
 * @category Stateless
 * @example
 * ```ts
 * orders.enrichCached(
 *   "with_rate",
 *   (currency) => fetchRate(currency),
 *   (cache, order) => ({ ...order, eur: order.amount * cache.get(order.currency) }),
 *   { ttl: minutes(1) },
 * );
 * ```
 */
export function enrichCached<X, DV, Y>(
  stepId: string,
  up: Stream<X>,
  getter: (key: string) => DV,
  mapper: (cache: TTLCache<DV>, item: X) => Y,
  options: EnrichCachedOptions = {},
): Stream<Y> {
  const ttl = options.ttl ?? Infinity;
  if (!(ttl >= 0)) throw new BuildError(`\`enrichCached\` step '${stepId}': ttl must be >= 0 ms; got ${String(ttl)}`);
  const cache = new TTLCache(getter, ttl, options.now);
  return defineOperator("enrichCached", stepId, { up }, ({ up }) => ({
    down: map("map", up, (x: X) => mapper(cache, x)),
  }), builtin).down;
}

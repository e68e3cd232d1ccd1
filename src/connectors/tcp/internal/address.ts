/**
 * Formatting and checking TCP addresses for names and messages.
 *
 * @module
 * @internal
 */

/** @internal `host:port`, with an IPv6 host in brackets. */
export function formatAddress(host: string | undefined, port: number | undefined): string {
  const h = host ?? "?";
  return `${h.includes(":") ? `[${h}]` : h}:${port ?? "?"}`;
}

/** @internal A message describing what is wrong with `host` and `port`, or `undefined`. */
export function addressProblem(host: unknown, port: unknown, minPort: number): string | undefined {
  if (typeof host !== "string" || host.length === 0) return `host must be a non-empty string; got ${JSON.stringify(host)}`;
  if (typeof port !== "number" || !Number.isInteger(port) || port < minPort || port > 65535) {
    return `port must be an integer from ${minPort} to 65535; got ${String(port)}`;
  }
  return undefined;
}

/** @internal The short error code (`ECONNREFUSED`) or message of a socket error. */
export function socketErrorText(err: unknown): string {
  const e = err as NodeJS.ErrnoException | undefined;
  if (e?.code !== undefined) return e.message.includes(e.code) ? e.message : `${e.code}: ${e.message}`;
  return err instanceof Error ? err.message : String(err);
}

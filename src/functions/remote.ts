/**
 * Remote functions: StateFun functions served over HTTP by any StateFun SDK.
 *
 * @module
 */
import { BuildError, describeType } from "../errors.js";
import { checkTypename } from "./types.js";

/**
 * What {@link remote} takes (StateFun's `module.yaml` endpoint, `kind:
 * io.statefun.endpoints.v2/http`).
 *
 * @category Functions
 */
export interface RemoteOptions {
  /** The function server's URL (`http://` or `https://`), POSTed `ToFunction` protobufs. */
  url: string;
  /** The typenames it serves: `"ns/name"`, or `"ns/*"` for every function of a namespace. */
  typenames: readonly string[];
  /** Most messages of one address sent in one request (default 1000). */
  maxBatchRequests?: number;
  /** How long a call may take, retries included, before the step fails, in ms (default 60,000). */
  timeout?: number;
}

/**
 * Functions served by a StateFun function server, for {@link applyFunctions}.
 *
 * @category Functions
 */
export interface RemoteModule {
  /** Always `"remote"`. */
  readonly kind: "remote";
  /** The server's URL. */
  readonly url: string;
  /** The typenames (or `ns/*` patterns) it serves. */
  readonly typenames: readonly string[];
  /** Most messages of one address per request. */
  readonly maxBatchRequests: number;
  /** Call timeout in ms, retries included. */
  readonly timeout: number;
}

/**
 * Functions served over HTTP by a StateFun SDK (Python, Java, Go, JS...),
 * driven by Sluice as StateFun's runtime drives them: request-reply protocol
 * v3, a `ToFunction` protobuf POSTed per batch of one address's messages
 * (at most `maxBatchRequests`) with the current values of the state the
 * function declared, and a `FromFunction` back with state changes, messages,
 * delayed messages and egresses. A function that declares its state lazily
 * (it answers `IncompleteInvocationContext`) gets its state registered,
 * with the expiry it asked for, and the call is retried. Connection errors,
 * timeouts and 5xx answers are retried with backoff until `timeout`, then
 * the step fails naming the URL and the address.
 *
 * @param options - `url`, `typenames`, `maxBatchRequests`, `timeout`.
 * @returns The module, for {@link applyFunctions}.
 * @throws {@link sluice!BuildError | BuildError} for a bad URL, typename or number.
 * @category Functions
 * @example
 * ```ts
 * const python = remote({ url: "http://127.0.0.1:8000/statefun", typenames: ["greeter.fns/*"] });
 * const { egress } = applyFunctions("fns", ingress, [python]);
 * ```
 */
export function remote(options: RemoteOptions): RemoteModule {
  if (typeof options !== "object" || options === null) throw new BuildError(`\`remote\` needs { url, typenames }; got ${describeType(options)}`);
  const { url, typenames, maxBatchRequests = 1000, timeout = 60_000 } = options;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (err) {
    throw new BuildError(`\`remote\` needs an http(s) URL; got ${JSON.stringify(url)}`, { cause: err });
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new BuildError(`\`remote\` needs an http(s) URL; got ${JSON.stringify(url)}`);
  if (!Array.isArray(typenames) || typenames.length === 0) throw new BuildError(`\`remote\` '${url}' needs a non-empty list of typenames; got ${describeType(typenames)}`);
  for (const t of typenames) {
    if (typeof t === "string" && t.endsWith("/*")) checkTypename(`${t.slice(0, -2)}/x`, `the typename pattern of \`remote\` '${url}'`);
    else checkTypename(t, `a typename of \`remote\` '${url}'`);
  }
  if (!Number.isInteger(maxBatchRequests) || maxBatchRequests < 1) throw new BuildError(`\`remote\` '${url}': maxBatchRequests must be a positive integer; got ${describeType(maxBatchRequests)}`);
  if (!(typeof timeout === "number" && timeout > 0)) throw new BuildError(`\`remote\` '${url}': timeout must be a positive number of ms; got ${describeType(timeout)}`);
  return Object.freeze({ kind: "remote", url, typenames: Object.freeze([...typenames]), maxBatchRequests, timeout });
}

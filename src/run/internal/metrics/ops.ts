/**
 * What a run with `metrics` or `dashboard` options starts on the main
 * thread: the hub and its HTTP endpoints, stopped when the run ends.
 *
 * @module
 * @internal
 */
import { BuildError, describeType } from "../../../errors.js";
import { StderrLog } from "../../../internal/stderrLog.js";
import { MetricsHub, type RunInfo } from "./hub.js";
import { serveOps, type OpsServer, type ServeAt } from "./server.js";

/** @internal The endpoints a run was asked for: a port, or a port and host. */
export interface OpsOptions {
  readonly metrics?: number | ServeAt | undefined;
  readonly dashboard?: number | ServeAt | undefined;
}

/** @internal A run's metrics hub and the endpoints serving it. */
export interface Ops {
  readonly hub: MetricsHub;
  /** Stop serving (the run ended): the dashboard's streams get the final picture first. */
  close(): Promise<void>;
}

/** Check a `metrics`/`dashboard` option and give it a host. */
function serveAt(name: string, value: number | ServeAt): ServeAt {
  const at = typeof value === "number" ? { port: value } : value;
  if (typeof at !== "object" || at === null || !Number.isInteger(at.port) || at.port < 0 || at.port > 65535) {
    throw new BuildError(`options.${name} must be a port (0-65535) or { port, host? }; got ${describeType(value)}`);
  }
  if (at.host !== undefined && (typeof at.host !== "string" || at.host === "")) {
    throw new BuildError(`options.${name}.host must be a non-empty string; got ${describeType(at.host)}`);
  }
  return at;
}

/** @internal Whether `options` ask for any endpoint (checked: throws a `BuildError` for a bad one). */
export function wantsOps(options: OpsOptions): boolean {
  if (options.metrics !== undefined) serveAt("metrics", options.metrics);
  if (options.dashboard !== undefined) serveAt("dashboard", options.dashboard);
  return options.metrics !== undefined || options.dashboard !== undefined;
}

/** @internal Start the hub and the endpoints `options` ask for; `undefined` if none. */
export async function startOps(info: RunInfo, options: OpsOptions): Promise<Ops | undefined> {
  if (!wantsOps(options)) return undefined;
  const hub = new MetricsHub(info);
  const servers: OpsServer[] = [];
  try {
    if (options.metrics !== undefined) {
      const s = await serveOps("metrics", hub, serveAt("metrics", options.metrics));
      servers.push(s);
      StderrLog.fromEnv().info(`metrics at ${s.url}/metrics`, { event: "serving", endpoint: "metrics", url: `${s.url}/metrics` });
    }
    if (options.dashboard !== undefined) {
      const s = await serveOps("dashboard", hub, serveAt("dashboard", options.dashboard));
      servers.push(s);
      StderrLog.fromEnv().info(`dashboard at ${s.url}/`, { event: "serving", endpoint: "dashboard", url: `${s.url}/` });
    }
  } catch (err) {
    await Promise.all(servers.map((s) => s.close()));
    throw err;
  }
  return { hub, close: async () => void (await Promise.all(servers.map((s) => s.close()))) };
}

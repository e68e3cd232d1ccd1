/**
 * The HTTP endpoints a run serves for operators: Prometheus metrics
 * (`/metrics`), and the live dashboard (`/`, its data as JSON at `/api/run`
 * and as server-sent events at `/events`). Both bind to 127.0.0.1 unless a
 * host is named.
 *
 * @module
 * @internal
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { ConnectorError } from "../../../errors.js";
import type { MetricsHub } from "./hub.js";
import type { RunMetrics } from "./prometheus.js";

/** How often the dashboard's event stream sends the run's picture (ms). */
const PUSH_EVERY_MS = 1000;

/** @internal Where to serve, as given by the user. */
export interface ServeAt {
  readonly port: number;
  readonly host?: string | undefined;
}

/** @internal A running endpoint. */
export interface OpsServer {
  /** Base URL, e.g. `http://127.0.0.1:9464`. */
  readonly url: string;
  close(): Promise<void>;
}

/** @internal Serve `what` ("metrics": `/metrics` only; "dashboard": the page, its data and `/metrics`) for `hub`. */
export async function serveOps(what: "metrics" | "dashboard", hub: MetricsHub, at: ServeAt): Promise<OpsServer> {
  const metrics: RunMetrics = (await import("./prometheus.js")).metricsRegistry(hub);
  const page = what === "dashboard" ? (await import("./dashboardPage.js")).dashboardPage(hub.info.flowId) : undefined;
  const streams = new Set<ServerResponse>();
  const push = (): void => {
    if (streams.size === 0) return;
    const data = `data: ${JSON.stringify(hub.snapshot())}\n\n`;
    for (const res of streams) res.write(data);
  };
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
    } else if (path === "/metrics") {
      const text = await metrics.scrape();
      res.writeHead(200, { "content-type": metrics.registry.contentType }).end(text);
    } else if (page !== undefined && (path === "/" || path === "/index.html")) {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(page);
    } else if (page !== undefined && path === "/api/run") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ graph: hub.graph, run: hub.snapshot() }));
    } else if (page !== undefined && path === "/events") {
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
      res.write(`event: graph\ndata: ${JSON.stringify(hub.graph ?? null)}\n\n`);
      res.write(`data: ${JSON.stringify(hub.snapshot())}\n\n`);
      streams.add(res);
      req.on("close", () => streams.delete(res));
    } else {
      res.writeHead(404, { "content-type": "text/plain" }).end(`not found: ${path}\n`);
    }
  };
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end(`${String(err)}\n`);
    });
  });
  const host = at.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) =>
      reject(new ConnectorError(`cannot serve ${what} on ${host}:${at.port}: ${err.code === "EADDRINUSE" ? "the port is in use" : err.message}`, { cause: err })),
    );
    server.listen(at.port, host, () => resolve());
  });
  const timer = setInterval(push, PUSH_EVERY_MS);
  timer.unref();
  const previous = hub.onChange;
  hub.onChange = () => {
    previous?.();
    push();
  };
  const address = server.address() as AddressInfo;
  const url = `http://${address.family === "IPv6" ? `[${address.address}]` : address.address}:${address.port}`;
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(timer);
        push();
        for (const res of streams) res.end();
        streams.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

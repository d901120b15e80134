import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Request, RequestHandler } from "express";
import type { Metrics } from "../metrics.js";
import type { Endpoint, IngestResult, ProcessAnswer, RequestAnswer } from "../usecases/ingest.js";
import { ingestEndpointOf } from "./paths.js";

// node:http by getBuiltinModule, not an ES import: an ES import reads every export, and its
// lazy WebSocket getters load undici, about 5 MiB never used (bench/README.md, "Service
// memory: code loaded at rest"; test/hardening/launcher.test.ts in @sqibs/intake).
const { createServer } = process.getBuiltinModule("node:http");

/** The route template (bounded label values): matched route, else the document's, else "unmatched". */
function routeOf(req: Request): string {
  const matched = req.route?.path;
  if (typeof matched === "string") return matched;
  const documented = (req as Request & { openapi?: { openApiRoute?: string } }).openapi
    ?.openApiRoute;
  if (documented) return documented;
  const ingest = ingestEndpointOf(req.path);
  return ingest ? `/v1/${ingest}` : "unmatched";
}

/** Counts every answer by route and status, and times it. */
export function httpMetrics(metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const stopTimer = metrics.httpDuration.startTimer();
    metrics.httpInFlight.inc();
    let counted = false;
    const count = () => {
      if (counted) return;
      counted = true;
      metrics.httpInFlight.dec();
      const labels = {
        method: req.method,
        route: routeOf(req),
        status: res.headersSent ? String(res.statusCode) : "aborted",
      };
      metrics.httpRequests.inc(labels);
      stopTimer(labels);
    };
    res.once("finish", count);
    res.once("close", count);
    next();
  };
}

/**
 * Counts a 2xx ingest outcome (the routes call it; the ingest use case stays free of
 * metrics). A replayed retry counts as "replayed" only: its incidents were counted the first
 * time.
 */
export function recordIngestOutcome(
  metrics: Metrics,
  endpoint: Endpoint,
  result: IngestResult<ProcessAnswer> | IngestResult<RequestAnswer>,
): void {
  if (result.status < 200 || result.status >= 300) return;
  if (result.replayed) {
    metrics.ingestCalls.inc({ endpoint, outcome: "replayed" });
    return;
  }
  if (!("triggered" in result.answer)) {
    metrics.ingestCalls.inc({ endpoint, outcome: "created" });
    return;
  }
  const { triggered, resolved, reason } = result.answer;
  const { created, duplicate } = triggered;
  if (created) metrics.incidents.inc({ action: "created" }, created);
  if (duplicate) metrics.incidents.inc({ action: "duplicate" }, duplicate);
  if (resolved.resolved) metrics.incidents.inc({ action: "resolved" }, resolved.resolved);
  const outcome =
    reason === "maintenance"
      ? "suppressed"
      : (reason ??
        (created ? "created" : resolved.resolved ? "resolved" : duplicate ? "duplicate" : "other"));
  metrics.ingestCalls.inc({ endpoint, outcome });
}

/** GET /metrics in the Prometheus text format, on its own listener (METRICS_HOST:METRICS_PORT). */
export async function startMetricsServer(
  metrics: Metrics,
  port: number,
  host: string,
): Promise<{ server: Server; url: string }> {
  const server = createServer(async (req, res) => {
    if (req.method !== "GET" || (req.url ?? "").split("?")[0] !== "/metrics") {
      res.writeHead(404, { "Content-Type": "text/plain" }).end("GET /metrics\n");
      return;
    }
    try {
      const text = await metrics.registry.metrics();
      res.writeHead(200, { "Content-Type": metrics.registry.contentType }).end(text);
    } catch (error) {
      res.writeHead(500, { "Content-Type": "text/plain" }).end(String(error));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return { server, url: `http://${host}:${address.port}/metrics` };
}

import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Request, RequestHandler } from "express";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/**
 * The service's Prometheus metrics, one registry per app (tests run several apps in one
 * process). Served on a port of their own (METRICS_PORT), never on the API port.
 */
export interface Metrics {
  registry: Registry;
  httpRequests: Counter<"method" | "route" | "status">;
  httpDuration: Histogram<"method" | "route" | "status">;
  httpInFlight: Gauge;
  incidents: Counter<"action">;
  ingestCalls: Counter<"endpoint" | "outcome">;
  databaseErrors: Counter<"kind">;
}

export function createMetrics(options: { processMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.processMetrics) collectDefaultMetrics({ register: registry, prefix: "sqibs_" });
  const registers = [registry];
  return {
    registry,
    httpRequests: new Counter({
      name: "sqibs_http_requests_total",
      help: "HTTP requests answered, by method, route template and status code.",
      labelNames: ["method", "route", "status"],
      registers,
    }),
    httpDuration: new Histogram({
      name: "sqibs_http_request_duration_seconds",
      help: "Time from receiving a request to the end of its answer, by method, route template and status code.",
      labelNames: ["method", "route", "status"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    httpInFlight: new Gauge({
      name: "sqibs_http_requests_in_flight",
      help: "Requests being served now.",
      registers,
    }),
    incidents: new Counter({
      name: "sqibs_incidents_total",
      help: "Incidents touched by ingest calls: created, duplicate (event added to an open incident) or resolved.",
      labelNames: ["action"],
      registers,
    }),
    ingestCalls: new Counter({
      name: "sqibs_ingest_calls_total",
      help: "Ingest calls answered 2xx, by endpoint and outcome (created, duplicate, resolved, suppressed, no-filter-passed, no-active-service, replayed).",
      labelNames: ["endpoint", "outcome"],
      registers,
    }),
    databaseErrors: new Counter({
      name: "sqibs_database_errors_total",
      help: "Requests that failed because the database was unreachable (answered 503), and failed readiness checks.",
      labelNames: ["kind"],
      registers,
    }),
  };
}

const INGEST = /^(?:\/sqibs-api)?\/v1\/(process|request)\/?$/;

/** The route template (bounded label values): matched route, else the document's, else "unmatched". */
function routeOf(req: Request): string {
  const matched = req.route?.path;
  if (typeof matched === "string") return matched;
  const documented = (req as Request & { openapi?: { openApiRoute?: string } }).openapi
    ?.openApiRoute;
  if (documented) return documented;
  const ingest = INGEST.exec(req.path);
  return ingest ? `/v1/${ingest[1]}` : "unmatched";
}

/** Counts every answer by route and status, times it, and counts ingest outcomes. */
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
    const ingest = req.method === "POST" ? INGEST.exec(req.path) : null;
    if (ingest) {
      const endpoint = ingest[1] as "process" | "request";
      const json = res.json.bind(res);
      res.json = (body: unknown) => {
        recordIngestOutcome(metrics, endpoint, res.statusCode, body);
        return json(body);
      };
    }
    next();
  };
}

interface IngestBody {
  triggered?: { created?: number; duplicate?: number };
  resolved?: { resolved?: number };
  reason?: string;
  replayed?: boolean;
}

/**
 * Counts an ingest answer from its body (the ingest use case stays free of metrics). A
 * replayed retry counts as "replayed" only: its incidents were counted the first time.
 */
export function recordIngestOutcome(
  metrics: Metrics,
  endpoint: "process" | "request",
  status: number,
  body: unknown,
): void {
  if (status < 200 || status >= 300 || typeof body !== "object" || body === null) return;
  const answer = body as IngestBody;
  if (answer.replayed) {
    metrics.ingestCalls.inc({ endpoint, outcome: "replayed" });
    return;
  }
  if (endpoint === "request") {
    metrics.ingestCalls.inc({ endpoint, outcome: "created" });
    return;
  }
  const created = answer.triggered?.created ?? 0;
  const duplicate = answer.triggered?.duplicate ?? 0;
  const resolved = answer.resolved?.resolved ?? 0;
  if (created) metrics.incidents.inc({ action: "created" }, created);
  if (duplicate) metrics.incidents.inc({ action: "duplicate" }, duplicate);
  if (resolved) metrics.incidents.inc({ action: "resolved" }, resolved);
  const outcome =
    answer.reason === "maintenance"
      ? "suppressed"
      : (answer.reason ??
        (created ? "created" : resolved ? "resolved" : duplicate ? "duplicate" : "other"));
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

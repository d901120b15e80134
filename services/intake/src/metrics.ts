import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/**
 * The service's Prometheus metrics, one registry per container (tests run several apps in one
 * process). Served on a port of their own (METRICS_PORT, http/metrics.ts), never the API's.
 */
export interface Metrics {
  registry: Registry;
  httpRequests: Counter<"method" | "route" | "status">;
  httpDuration: Histogram<"method" | "route" | "status">;
  httpInFlight: Gauge;
  bodyBytesInFlight: Gauge;
  bodiesWaiting: Gauge;
  incidents: Counter<"action">;
  ingestCalls: Counter<"endpoint" | "outcome">;
  databaseErrors: Counter<"kind">;
  webhookEvents: Counter<"type">;
  webhookAttempts: Counter<"outcome">;
  webhookDeliveries: Counter<"status">;
  webhookAttemptDuration: Histogram<"outcome">;
  webhookDue: Gauge;
  webhookInFlight: Gauge;
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
    bodyBytesInFlight: new Gauge({
      name: "sqibs_body_bytes_in_flight",
      help: "Bytes of request bodies admitted and not yet answered (BODY_BYTES_IN_FLIGHT caps it).",
      registers,
    }),
    bodiesWaiting: new Gauge({
      name: "sqibs_bodies_waiting",
      help: "Requests waiting, their bodies unread, for room under MAX_BODIES_IN_FLIGHT and BODY_BYTES_IN_FLIGHT.",
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
    webhookEvents: new Counter({
      name: "sqibs_webhook_events_total",
      help: "Outgoing webhook deliveries stored (one per event and subscribed webhook), by event type.",
      labelNames: ["type"],
      registers,
    }),
    webhookAttempts: new Counter({
      name: "sqibs_webhook_attempts_total",
      help: "Attempts to deliver a webhook, by outcome: succeeded, or why it failed (http-status, timeout, connection, dns, tls, redirect, refused-address, refused-url, interrupted).",
      labelNames: ["outcome"],
      registers,
    }),
    webhookDeliveries: new Counter({
      name: "sqibs_webhook_deliveries_total",
      help: "Webhook deliveries that ended, by status: succeeded, or failed (retries ran out, or the address was refused).",
      labelNames: ["status"],
      registers,
    }),
    webhookAttemptDuration: new Histogram({
      name: "sqibs_webhook_attempt_duration_seconds",
      help: "Time from the start of a webhook attempt to the end of the answer (or of the failure), by outcome.",
      labelNames: ["outcome"],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    webhookDue: new Gauge({
      name: "sqibs_webhook_due_deliveries",
      help: "Webhook deliveries due now and not yet sent (the queue's depth), as this instance last counted them.",
      registers,
    }),
    webhookInFlight: new Gauge({
      name: "sqibs_webhook_in_flight",
      help: "Webhook attempts this instance is making now.",
      registers,
    }),
  };
}

import express, { type Express } from "express";
import type { AppDeps } from "./container.js";
import { authenticateFirst, securedOperations } from "./http/auth.js";
import { consoleDirectory, consoleRoutes } from "./http/console.js";
import {
  bodyAdmission,
  bodyReadsPerClient,
  concurrencyLimit,
  securityHeaders,
  urlLimit,
} from "./http/limits.js";
import { httpMetrics } from "./http/metrics.js";
import { loadApiDocument, openApiValidator } from "./http/openapi.js";
import { BASE_PATHS } from "./http/paths.js";
import { notFoundHandler, problemHandler } from "./http/problem.js";
import { captureRawBody } from "./http/raw-body.js";
import { requestLog } from "./http/request-log.js";
import { healthRoutes } from "./routes/health.js";
import { ingestRoutes } from "./routes/ingest.js";
import {
  accountRoutes,
  apiLogRoutes,
  incidentRoutes,
  requestRoutes,
  serviceRoutes,
  teamRoutes,
  templateRoutes,
  tokenRoutes,
  webhookRoutes,
} from "./routes/management/index.js";
import { sessionRoutes } from "./routes/sessions.js";

/** Builds the Express app; never listens (see server.ts). */
export function createApp(deps: AppDeps): Express {
  const { config } = deps;
  const app = express();
  app.disable("x-powered-by");
  // Every answer is Cache-Control: no-store (http/limits.ts): an ETag, a SHA-1 of each body
  // computed per response, would name a copy nobody may keep.
  app.set("etag", false);
  app.set("query parser", "simple");
  app.set("trust proxy", config.TRUST_PROXY ?? false);
  const document = loadApiDocument();
  app.use(requestLog(deps.logger));
  // Hardening (test/hardening): headers on every answer, metrics, then the cheap refusals
  // before any body is read: URL too long; no valid credential (authenticated from the URL
  // and headers, so it never holds a concurrency slot); too many bodies at once from one
  // client address; too many requests at once. Then the bodies wait for room by their count and bytes.
  app.use(securityHeaders);
  app.use(httpMetrics(deps.metrics));
  app.use(urlLimit(config.MAX_URL_BYTES));
  app.use(authenticateFirst(deps, securedOperations(document)));
  app.use(bodyReadsPerClient(config.MAX_BODY_READS_PER_CLIENT, config.RETRY_AFTER_SECONDS));
  app.use(concurrencyLimit(config.MAX_CONCURRENT_REQUESTS, config.RETRY_AFTER_SECONDS));
  app.use(
    bodyAdmission(
      { bodies: config.MAX_BODIES_IN_FLIGHT, bytes: config.BODY_BYTES_IN_FLIGHT },
      config.BODY_LIMIT_BYTES,
      {
        bytes: deps.metrics.bodyBytesInFlight,
        waiting: deps.metrics.bodiesWaiting,
      },
    ),
  );
  // The web console: static files with their own CSP, outside the API's validator.
  app.use("/console", consoleRoutes(consoleDirectory()));
  app.use(captureRawBody(config.BODY_LIMIT_BYTES));
  app.use(express.json({ limit: "256kb", type: ["application/json", "application/*+json"] }));
  app.use(openApiValidator(document, config.VALIDATE_RESPONSES));
  // The ingest routes first: an ingest call (most of the traffic) walks no other router. No
  // other route shares their paths.
  const ingest = ingestRoutes(deps);
  for (const base of BASE_PATHS) app.use(base, ingest);
  const routes = [
    healthRoutes(deps),
    sessionRoutes(deps),
    accountRoutes(deps),
    serviceRoutes(deps),
    teamRoutes(deps),
    templateRoutes(deps),
    tokenRoutes(deps),
    incidentRoutes(deps),
    requestRoutes(deps),
    apiLogRoutes(deps),
    webhookRoutes(deps),
  ];
  for (const base of BASE_PATHS) app.use(base, ...routes);
  app.use(notFoundHandler);
  app.use(problemHandler(deps));
  return app;
}

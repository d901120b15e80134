import express, { type Express } from "express";
import type { AppDeps } from "./container.js";
import { consoleDirectory, consoleRoutes } from "./http/console.js";
import { concurrencyLimit, securityHeaders, urlLimit } from "./http/limits.js";
import { httpMetrics } from "./http/metrics.js";
import { openApiValidator } from "./http/openapi.js";
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
  templateRoutes,
  tokenRoutes,
} from "./routes/management/index.js";
import { sessionRoutes } from "./routes/sessions.js";

/** Builds the Express app; never listens (see server.ts). */
export function createApp(deps: AppDeps): Express {
  const { config } = deps;
  const app = express();
  app.disable("x-powered-by");
  app.set("query parser", "simple");
  app.use(requestLog(deps.logger));
  // Hardening (test/hardening): headers on every answer, metrics, then the cheap refusals
  // (too many at once, URL too long) before any body is read.
  app.use(securityHeaders);
  app.use(httpMetrics(deps.metrics));
  app.use(concurrencyLimit(config.MAX_CONCURRENT_REQUESTS, config.RETRY_AFTER_SECONDS));
  app.use(urlLimit(config.MAX_URL_BYTES));
  // The web console: static files with their own CSP, outside the API's validator.
  app.use("/console", consoleRoutes(consoleDirectory()));
  app.use(captureRawBody(deps.config.BODY_LIMIT_BYTES));
  app.use(express.json({ limit: "256kb", type: ["application/json", "application/*+json"] }));
  app.use(openApiValidator(deps.config.VALIDATE_RESPONSES));
  const routes = [
    healthRoutes(deps),
    ingestRoutes(deps),
    sessionRoutes(deps),
    accountRoutes(deps),
    serviceRoutes(deps),
    templateRoutes(deps),
    tokenRoutes(deps),
    incidentRoutes(deps),
    requestRoutes(deps),
    apiLogRoutes(deps),
  ];
  for (const base of BASE_PATHS) app.use(base, ...routes);
  app.use(notFoundHandler);
  app.use(problemHandler(deps));
  return app;
}

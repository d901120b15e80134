import express, { type Express } from "express";
import type { AppDeps } from "./http/deps.js";
import { openApiValidator } from "./http/openapi.js";
import { notFoundHandler, problemHandler } from "./http/problem.js";
import { captureRawBody } from "./http/raw-body.js";
import { requestLog } from "./http/request-log.js";
import { healthRoutes } from "./routes/health.js";
import { ingestRoutes } from "./routes/ingest.js";

/** The routes answer under /sqibs-api and at the root (the document's two servers). */
const BASE_PATHS = ["/sqibs-api", "/"] as const;

/** Builds the Express app; never listens (see server.ts). */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("query parser", "simple");
  app.use(requestLog(deps.logger));
  app.use(captureRawBody(deps.config.BODY_LIMIT_BYTES));
  app.use(express.json({ limit: "256kb", type: ["application/json", "application/*+json"] }));
  app.use(openApiValidator(deps.config.VALIDATE_RESPONSES));
  const routes = [healthRoutes(deps), ingestRoutes(deps)];
  for (const base of BASE_PATHS) app.use(base, ...routes);
  app.use(notFoundHandler);
  app.use(problemHandler(deps));
  return app;
}

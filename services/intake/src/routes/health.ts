import { Router } from "express";
import type { AppDeps } from "../http/deps.js";
import { sendProblem } from "../http/problem.js";

export function healthRoutes(deps: AppDeps): Router {
  const router = Router();
  router.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  router.get("/readyz", async (_req, res) => {
    try {
      await deps.repositories.database.ping();
      if (!deps.repositories.database.indexesReady) {
        sendProblem(res, 503, "The database's indexes are being created.", {
          retryAfterSeconds: deps.config.RETRY_AFTER_SECONDS,
        });
        return;
      }
      res.json({ status: "ready" });
    } catch (error) {
      deps.metrics?.databaseErrors.inc({ kind: "readiness" });
      deps.logger.warn({ err: error }, "readiness: database ping failed");
      sendProblem(res, 503, "The database does not answer.", {
        retryAfterSeconds: deps.config.RETRY_AFTER_SECONDS,
      });
    }
  });
  return router;
}

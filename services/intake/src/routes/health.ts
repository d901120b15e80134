import { Router } from "express";
import type { AppDeps } from "../container.js";
import { sendProblem } from "../http/problem.js";
import { readiness } from "../usecases/health.js";

export function healthRoutes(deps: AppDeps): Router {
  const router = Router();
  const retryAfterSeconds = deps.config.RETRY_AFTER_SECONDS;
  router.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  router.get("/readyz", async (_req, res) => {
    let ready: Awaited<ReturnType<typeof readiness>>;
    try {
      ready = await readiness(deps);
    } catch (error) {
      deps.metrics.databaseErrors.inc({ kind: "readiness" });
      deps.logger.warn({ err: error }, "readiness: database ping failed");
      sendProblem(res, "DATABASE_UNAVAILABLE", "The database does not answer.", {
        retryAfterSeconds,
      });
      return;
    }
    if (ready === "ready") res.json({ status: "ready" });
    else
      sendProblem(res, "DATABASE_UNAVAILABLE", "The database's indexes are being created.", {
        retryAfterSeconds,
      });
  });
  return router;
}

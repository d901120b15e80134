import { Router } from "express";
import type { AppDeps } from "../../container.js";
import { toApiLogEntry } from "../../http/views.js";
import { listApiLogs } from "../../usecases/api-logs.js";
import { adminOnly, pageQuery, pageView, queryText } from "./params.js";

export function apiLogRoutes(deps: AppDeps): Router {
  const router = Router();

  router.get("/v1/api-logs", adminOnly(deps), async (req, res) => {
    const page = await listApiLogs(deps, res.locals.caller, {
      tokenId: queryText(req, "tokenId"),
      ...pageQuery(req),
    });
    res.json(pageView(page, toApiLogEntry));
  });

  return router;
}

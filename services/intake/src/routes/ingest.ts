import { type Request, type Response, Router } from "express";
import { requireToken } from "../http/auth.js";
import type { AppDeps } from "../http/deps.js";
import { rawBodyOf } from "../http/raw-body.js";
import { createRequestCall, type IngestCall, processIncidentCall } from "../usecases/ingest.js";

export function ingestRoutes(deps: AppDeps): Router {
  const router = Router();

  router.post("/v1/process", requireToken(deps, ["global", "service"]), async (req, res) => {
    const answer = await processIncidentCall(deps, ingestCall(req, res));
    res.status(answer.status).json(answer.body);
  });

  router.post("/v1/request", requireToken(deps, ["global"]), async (req, res) => {
    const answer = await createRequestCall(deps, ingestCall(req, res));
    res.status(answer.status).json(answer.body);
  });

  return router;
}

function ingestCall(req: Request, res: Response): IngestCall {
  const from = req.query.from;
  return {
    token: res.locals.token,
    body: rawBodyOf(req),
    contentType: req.get("content-type"),
    from: typeof from === "string" ? from : undefined,
    idempotencyKey: req.get("idempotency-key"),
  };
}

import { type Request, type Response, Router } from "express";
import { requireToken } from "../http/auth.js";
import type { AppDeps } from "../http/deps.js";
import { rawBodyOf } from "../http/raw-body.js";
import { toIncidentSummary, toRequest } from "../http/views.js";
import { createRequestCall, type IngestCall, processIncidentCall } from "../usecases/ingest.js";

export function ingestRoutes(deps: AppDeps): Router {
  const router = Router();

  router.post("/v1/process", requireToken(deps, ["global", "service"]), async (req, res) => {
    const outcome = await processIncidentCall(deps, ingestCall(req, res));
    res.status(outcome.status).json({
      id: outcome.callId.toHexString(),
      triggered: outcome.triggered,
      resolved: outcome.resolved,
      incidents: outcome.incidents.map(({ incident, action }) =>
        toIncidentSummary(incident, action),
      ),
      ...(outcome.reason ? { reason: outcome.reason } : {}),
    });
  });

  router.post("/v1/request", requireToken(deps, ["global"]), async (req, res) => {
    const request = await createRequestCall(deps, ingestCall(req, res));
    res.status(201).json({ id: request._id.toHexString(), request: toRequest(request) });
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
  };
}

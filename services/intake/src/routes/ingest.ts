import { normalizeFrom } from "@sqibs/domain";
import { type Request, type Response, Router } from "express";
import type { AppDeps } from "../container.js";
import { requireToken } from "../http/auth.js";
import { recordIngestOutcome } from "../http/metrics.js";
import { rawBodyOf, releaseRawBody } from "../http/raw-body.js";
import { toProcessResult, toRequestResult } from "../http/views.js";
import { createRequestCall, type IngestCall, processIncidentCall } from "../usecases/ingest.js";

export function ingestRoutes(deps: AppDeps): Router {
  const router = Router();

  router.post(
    "/v1/process",
    requireToken(deps, ["global", "team", "service"]),
    async (req, res) => {
      const result = await processIncidentCall(deps, ingestCall(req, res));
      res.status(result.status).json(toProcessResult(result));
      // Counted once answered: nothing the answer waits for.
      recordIngestOutcome(deps.metrics, "process", result);
      releaseRawBody(req);
    },
  );

  router.post("/v1/request", requireToken(deps, ["global"]), async (req, res) => {
    const result = await createRequestCall(deps, ingestCall(req, res));
    res.status(result.status).json(toRequestResult(result));
    recordIngestOutcome(deps.metrics, "request", result);
    releaseRawBody(req);
  });

  return router;
}

/** The call as the use case takes it; `from` is normalized here, once. */
function ingestCall(req: Request, res: Response): IngestCall {
  const from = req.query.from;
  return {
    caller: res.locals.caller,
    body: rawBodyOf(req),
    contentType: req.get("content-type"),
    source: normalizeFrom(typeof from === "string" ? from : undefined),
    idempotencyKey: req.get("idempotency-key"),
  };
}

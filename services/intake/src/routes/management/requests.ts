import { Router } from "express";
import type { AppDeps } from "../../container.js";
import { toRequest, toRequestDetail } from "../../http/views.js";
import { getRequest, listRequests } from "../../usecases/requests.js";
import { adminOnly, pageQuery, pageView, pathParam } from "./params.js";

export function requestRoutes(deps: AppDeps): Router {
  const router = Router();
  const admin = adminOnly(deps);

  router.get("/v1/requests", admin, async (req, res) => {
    const page = await listRequests(deps, res.locals.caller, pageQuery(req));
    res.json(pageView(page, toRequest));
  });

  router.get("/v1/requests/:requestId", admin, async (req, res) => {
    const request = await getRequest(deps, res.locals.caller, pathParam(req, "requestId"));
    res.json(toRequestDetail(request));
  });

  return router;
}

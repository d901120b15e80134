import { Router } from "express";
import type { AppDeps } from "../../container.js";
import { toRequest, toRequestDetail } from "../../http/views.js";
import { getRequest, listRequests } from "../../usecases/requests.js";
import { adminOnly, pathParam, queryInteger, queryText } from "./params.js";

export function requestRoutes(deps: AppDeps): Router {
  const router = Router();
  const admin = adminOnly(deps);

  router.get("/v1/requests", admin, async (req, res) => {
    const page = await listRequests(deps, res.locals.caller, {
      limit: queryInteger(req, "limit"),
      cursor: queryText(req, "cursor"),
    });
    res.json({ ...page, items: page.items.map(toRequest) });
  });

  router.get("/v1/requests/:requestId", admin, async (req, res) => {
    const request = await getRequest(deps, res.locals.caller, pathParam(req, "requestId"));
    res.json(toRequestDetail(request));
  });

  return router;
}

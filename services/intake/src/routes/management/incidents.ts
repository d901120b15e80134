import type { IncidentComment, IncidentStatus } from "@sqibs/api-client";
import { type LifecycleAction, TRANSITIONS } from "@sqibs/domain";
import { Router } from "express";
import type { AppDeps } from "../../container.js";
import { toIncident, toIncidentListItem } from "../../http/views.js";
import { getIncident, listIncidents, transitionIncident } from "../../usecases/incidents.js";
import { adminOnly, jsonBody, pageQuery, pageView, pathParam, queryText } from "./params.js";

const ACTIONS = Object.keys(TRANSITIONS) as LifecycleAction[];

export function incidentRoutes(deps: AppDeps): Router {
  const router = Router();
  const admin = adminOnly(deps);

  router.get("/v1/incidents", admin, async (req, res) => {
    const page = await listIncidents(deps, res.locals.caller, {
      status: queryText(req, "status") as IncidentStatus | undefined,
      serviceId: queryText(req, "serviceId"),
      source: queryText(req, "source"),
      ...pageQuery(req),
    });
    res.json(pageView(page, toIncidentListItem));
  });

  router.get("/v1/incidents/:incidentId", admin, async (req, res) => {
    const incident = await getIncident(deps, res.locals.caller, pathParam(req, "incidentId"));
    res.json(toIncident(incident));
  });

  for (const action of ACTIONS) {
    router.post(`/v1/incidents/:incidentId/${action}`, admin, async (req, res) => {
      const incident = await transitionIncident(
        deps,
        res.locals.caller,
        pathParam(req, "incidentId"),
        action,
        jsonBody<IncidentComment>(req).comment,
      );
      res.json(toIncident(incident));
    });
  }

  return router;
}

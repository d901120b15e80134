import type { IncidentComment, IncidentStatus } from "@sqibs/api-client";
import { Router } from "express";
import type { AppDeps } from "../../http/deps.js";
import { toIncident, toIncidentListItem } from "../../http/views.js";
import {
  getIncident,
  type IncidentAction,
  listIncidents,
  transitionIncident,
} from "../../usecases/incidents.js";
import { adminOnly, jsonBody, pathParam, queryInteger, queryText } from "./params.js";

const ACTIONS: IncidentAction[] = ["acknowledge", "unacknowledge", "resolve"];

export function incidentRoutes(deps: AppDeps): Router {
  const router = Router();
  const admin = adminOnly(deps);

  router.get("/v1/incidents", admin, async (req, res) => {
    const page = await listIncidents(deps, res.locals.token, {
      status: queryText(req, "status") as IncidentStatus | undefined,
      serviceId: queryText(req, "serviceId"),
      source: queryText(req, "source"),
      limit: queryInteger(req, "limit"),
      cursor: queryText(req, "cursor"),
    });
    res.json({ ...page, items: page.items.map(toIncidentListItem) });
  });

  router.get("/v1/incidents/:incidentId", admin, async (req, res) => {
    const incident = await getIncident(deps, res.locals.token, pathParam(req, "incidentId"));
    res.json(toIncident(incident));
  });

  for (const action of ACTIONS) {
    router.post(`/v1/incidents/:incidentId/${action}`, admin, async (req, res) => {
      const incident = await transitionIncident(
        deps,
        res.locals.token,
        pathParam(req, "incidentId"),
        action,
        jsonBody<IncidentComment>(req).comment,
      );
      res.json(toIncident(incident));
    });
  }

  return router;
}

import type { IncidentComment, IncidentStatus } from "@sqibs/api-client";
import { type LifecycleAction, normalizeFrom, TRANSITIONS } from "@sqibs/domain";
import { Router } from "express";
import type { AppDeps } from "../../container.js";
import { toIncident, toIncidentEvent, toIncidentListItem } from "../../http/views.js";
import {
  getIncident,
  listIncidentEvents,
  listIncidents,
  transitionIncident,
} from "../../usecases/incidents.js";
import { adminOnly, jsonBody, pageQuery, pageView, pathParam, queryText } from "./params.js";

const ACTIONS = Object.keys(TRANSITIONS) as LifecycleAction[];

export function incidentRoutes(deps: AppDeps): Router {
  const router = Router();
  const admin = adminOnly(deps);

  router.get("/v1/incidents", admin, async (req, res) => {
    const page = await listIncidents(deps, res.locals.caller, {
      status: queryText(req, "status") as IncidentStatus | undefined,
      serviceId: queryText(req, "serviceId"),
      // Cleaned as `from` is where a call enters: empty or blank means no source filter.
      source: normalizeFrom(queryText(req, "source")),
      ...pageQuery(req),
    });
    res.json(pageView(page, toIncidentListItem));
  });

  router.get("/v1/incidents/:incidentId/events", admin, async (req, res) => {
    const incidentId = pathParam(req, "incidentId");
    const page = await listIncidentEvents(deps, res.locals.caller, incidentId, pageQuery(req));
    res.json(pageView(page, toIncidentEvent));
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

import type {
  FilterTestInput,
  MaintenanceWindow,
  ServiceCreate,
  ServiceFilterInput,
  ServiceUpdate,
} from "@sqibs/api-client";
import { Router } from "express";
import type { AppDeps } from "../../http/deps.js";
import { toService } from "../../http/views.js";
import type { ServiceDoc } from "../../repositories/documents.js";
import {
  createService,
  deleteService,
  endServiceMaintenance,
  getService,
  listServices,
  setServiceFilter,
  setServiceMaintenance,
  testServiceFilter,
  updateService,
} from "../../usecases/services.js";
import { adminOnly, jsonBody, pathParam } from "./params.js";
import { toFilterTestResult } from "./views.js";

export function serviceRoutes(deps: AppDeps): Router {
  const router = Router();
  const admin = adminOnly(deps);
  /** `inMaintenance` is computed at the time of the answer. */
  const view = (service: ServiceDoc) => toService(service, deps.clock());

  router.post("/v1/services", admin, async (req, res) => {
    const service = await createService(deps, res.locals.token, jsonBody<ServiceCreate>(req));
    res.status(201).json(view(service));
  });

  router.get("/v1/services", admin, async (_req, res) => {
    const services = await listServices(deps, res.locals.token);
    res.json({ items: services.map(view) });
  });

  router.get("/v1/services/:serviceId", admin, async (req, res) => {
    const service = await getService(deps, res.locals.token, pathParam(req, "serviceId"));
    res.json(view(service));
  });

  router.patch("/v1/services/:serviceId", admin, async (req, res) => {
    const service = await updateService(
      deps,
      res.locals.token,
      pathParam(req, "serviceId"),
      jsonBody<ServiceUpdate>(req),
    );
    res.json(view(service));
  });

  router.delete("/v1/services/:serviceId", admin, async (req, res) => {
    await deleteService(deps, res.locals.token, pathParam(req, "serviceId"));
    res.status(204).end();
  });

  router.put("/v1/services/:serviceId/filter", admin, async (req, res) => {
    const service = await setServiceFilter(
      deps,
      res.locals.token,
      pathParam(req, "serviceId"),
      jsonBody<ServiceFilterInput>(req),
    );
    res.json(view(service));
  });

  router.post("/v1/services/:serviceId/filter/test", admin, async (req, res) => {
    const trial = await testServiceFilter(
      deps,
      res.locals.token,
      pathParam(req, "serviceId"),
      jsonBody<FilterTestInput>(req),
    );
    res.json(toFilterTestResult(trial));
  });

  router.put("/v1/services/:serviceId/maintenance", admin, async (req, res) => {
    const service = await setServiceMaintenance(
      deps,
      res.locals.token,
      pathParam(req, "serviceId"),
      jsonBody<MaintenanceWindow>(req),
    );
    res.json(view(service));
  });

  router.delete("/v1/services/:serviceId/maintenance", admin, async (req, res) => {
    await endServiceMaintenance(deps, res.locals.token, pathParam(req, "serviceId"));
    res.status(204).end();
  });

  return router;
}

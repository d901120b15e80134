import type {
  FilterTestInput,
  MaintenanceWindow,
  ServiceCreate,
  ServiceFilterInput,
  ServiceUpdate,
} from "@sqibs/api-client";
import { normalizeFrom } from "@sqibs/domain";
import { Router } from "express";
import type { AppDeps } from "../../container.js";
import { toFilterTestResult, toService } from "../../http/views.js";
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

export function serviceRoutes(deps: AppDeps): Router {
  const router = Router();
  const admin = adminOnly(deps);
  /** `inMaintenance` is computed at the time of the answer. */
  const view = (service: Parameters<typeof toService>[0]) => toService(service, deps.clock());

  router.post("/v1/services", admin, async (req, res) => {
    const service = await createService(deps, res.locals.caller, jsonBody<ServiceCreate>(req));
    res.status(201).json(view(service));
  });

  router.get("/v1/services", admin, async (_req, res) => {
    const services = await listServices(deps, res.locals.caller);
    res.json({ items: services.map(view) });
  });

  router.get("/v1/services/:serviceId", admin, async (req, res) => {
    const service = await getService(deps, res.locals.caller, pathParam(req, "serviceId"));
    res.json(view(service));
  });

  router.patch("/v1/services/:serviceId", admin, async (req, res) => {
    const service = await updateService(
      deps,
      res.locals.caller,
      pathParam(req, "serviceId"),
      jsonBody<ServiceUpdate>(req),
    );
    res.json(view(service));
  });

  router.delete("/v1/services/:serviceId", admin, async (req, res) => {
    await deleteService(deps, res.locals.caller, pathParam(req, "serviceId"));
    res.status(204).end();
  });

  router.put("/v1/services/:serviceId/filter", admin, async (req, res) => {
    const service = await setServiceFilter(
      deps,
      res.locals.caller,
      pathParam(req, "serviceId"),
      jsonBody<ServiceFilterInput>(req),
    );
    res.json(view(service));
  });

  router.post("/v1/services/:serviceId/filter/test", admin, async (req, res) => {
    const input = jsonBody<FilterTestInput>(req);
    const trial = await testServiceFilter(deps, res.locals.caller, pathParam(req, "serviceId"), {
      ...input,
      from: normalizeFrom(input.from),
    });
    res.json(toFilterTestResult(trial));
  });

  router.put("/v1/services/:serviceId/maintenance", admin, async (req, res) => {
    const service = await setServiceMaintenance(
      deps,
      res.locals.caller,
      pathParam(req, "serviceId"),
      jsonBody<MaintenanceWindow>(req),
    );
    res.json(view(service));
  });

  router.delete("/v1/services/:serviceId/maintenance", admin, async (req, res) => {
    await endServiceMaintenance(deps, res.locals.caller, pathParam(req, "serviceId"));
    res.status(204).end();
  });

  return router;
}

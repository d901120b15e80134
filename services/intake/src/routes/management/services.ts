import type {
  FilterTestInput,
  MaintenanceWindow,
  ServiceCreate,
  ServiceFilterInput,
  ServiceUpdate,
} from "@sqibs/api-client";
import { normalizeFrom } from "@sqibs/domain";
import { type RequestHandler, Router } from "express";
import type { AppDeps } from "../../container.js";
import { toFilterTestResult, toService } from "../../http/views.js";
import type { Caller } from "../../usecases/caller.js";
import {
  createService,
  deleteService,
  endServiceMaintenance,
  getService,
  listServices,
  type Service,
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
  const view = (service: Service) => toService(service, deps.clock());
  /** A change to the path's service with the JSON body, answered with the service. */
  const change =
    <B extends object>(
      apply: (deps: AppDeps, caller: Caller, serviceId: string, body: B) => Promise<Service>,
    ): RequestHandler =>
    async (req, res) => {
      const serviceId = pathParam(req, "serviceId");
      res.json(view(await apply(deps, res.locals.caller, serviceId, jsonBody<B>(req))));
    };

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

  router.patch("/v1/services/:serviceId", admin, change<ServiceUpdate>(updateService));

  router.delete("/v1/services/:serviceId", admin, async (req, res) => {
    await deleteService(deps, res.locals.caller, pathParam(req, "serviceId"));
    res.status(204).end();
  });

  router.put("/v1/services/:serviceId/filter", admin, change<ServiceFilterInput>(setServiceFilter));

  router.post("/v1/services/:serviceId/filter/test", admin, async (req, res) => {
    const input = jsonBody<FilterTestInput>(req);
    const trial = await testServiceFilter(deps, res.locals.caller, pathParam(req, "serviceId"), {
      ...input,
      from: normalizeFrom(input.from),
    });
    res.json(toFilterTestResult(trial));
  });

  router.put(
    "/v1/services/:serviceId/maintenance",
    admin,
    change<MaintenanceWindow>(setServiceMaintenance),
  );

  router.delete("/v1/services/:serviceId/maintenance", admin, async (req, res) => {
    await endServiceMaintenance(deps, res.locals.caller, pathParam(req, "serviceId"));
    res.status(204).end();
  });

  return router;
}

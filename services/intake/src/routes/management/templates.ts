import { Router } from "express";
import type { AppDeps } from "../../container.js";
import { toIntegrationTemplate } from "../../http/views.js";
import { listIntegrationTemplates } from "../../usecases/templates.js";
import { adminOnly } from "./params.js";

export function templateRoutes(deps: AppDeps): Router {
  const router = Router();

  router.get("/v1/integration-templates", adminOnly(deps), (_req, res) => {
    res.json({ items: listIntegrationTemplates().map(toIntegrationTemplate) });
  });

  return router;
}

import { Router } from "express";
import type { AppDeps } from "../../http/deps.js";
import { listIntegrationTemplates } from "../../usecases/templates.js";
import { adminOnly } from "./params.js";
import { toIntegrationTemplate } from "./views.js";

export function templateRoutes(deps: AppDeps): Router {
  const router = Router();

  router.get("/v1/integration-templates", adminOnly(deps), (_req, res) => {
    res.json({ items: listIntegrationTemplates().map(toIntegrationTemplate) });
  });

  return router;
}

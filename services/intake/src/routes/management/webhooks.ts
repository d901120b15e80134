import type {
  WebhookCreate,
  WebhookDeliveryStatus,
  WebhookSecretRotate,
  WebhookUpdate,
} from "@sqibs/api-client";
import { Router } from "express";
import type { AppDeps } from "../../container.js";
import { toIssuedWebhook, toWebhook, toWebhookDelivery } from "../../http/views.js";
import {
  createWebhook,
  deleteWebhook,
  getWebhook,
  listWebhookDeliveries,
  listWebhooks,
  redeliverWebhookDelivery,
  rotateWebhookSecret,
  testWebhook,
  updateWebhook,
} from "../../usecases/webhooks.js";
import { adminOnly, jsonBody, pageQuery, pageView, pathParam, queryText } from "./params.js";

export function webhookRoutes(deps: AppDeps): Router {
  const router = Router();
  const admin = adminOnly(deps);

  router.post("/v1/webhooks", admin, async (req, res) => {
    const issued = await createWebhook(deps, res.locals.caller, jsonBody<WebhookCreate>(req));
    res.status(201).json(toIssuedWebhook(issued));
  });

  router.get("/v1/webhooks", admin, async (_req, res) => {
    const webhooks = await listWebhooks(deps, res.locals.caller);
    res.json({ items: webhooks.map(toWebhook) });
  });

  router.get("/v1/webhooks/:webhookId", admin, async (req, res) => {
    res.json(toWebhook(await getWebhook(deps, res.locals.caller, pathParam(req, "webhookId"))));
  });

  router.patch("/v1/webhooks/:webhookId", admin, async (req, res) => {
    const webhook = await updateWebhook(
      deps,
      res.locals.caller,
      pathParam(req, "webhookId"),
      jsonBody<WebhookUpdate>(req),
    );
    res.json(toWebhook(webhook));
  });

  router.delete("/v1/webhooks/:webhookId", admin, async (req, res) => {
    await deleteWebhook(deps, res.locals.caller, pathParam(req, "webhookId"));
    res.status(204).end();
  });

  router.post("/v1/webhooks/:webhookId/rotate-secret", admin, async (req, res) => {
    const { graceSeconds } = jsonBody<WebhookSecretRotate>(req);
    const issued = await rotateWebhookSecret(
      deps,
      res.locals.caller,
      pathParam(req, "webhookId"),
      graceSeconds,
    );
    res.json(toIssuedWebhook(issued));
  });

  router.post("/v1/webhooks/:webhookId/test", admin, async (req, res) => {
    const result = await testWebhook(deps, res.locals.caller, pathParam(req, "webhookId"));
    res.json({ delivered: result.delivered, delivery: toWebhookDelivery(result.delivery) });
  });

  router.get("/v1/webhooks/:webhookId/deliveries", admin, async (req, res) => {
    const page = await listWebhookDeliveries(deps, res.locals.caller, pathParam(req, "webhookId"), {
      status: queryText(req, "status") as WebhookDeliveryStatus | undefined,
      ...pageQuery(req),
    });
    res.json(pageView(page, toWebhookDelivery));
  });

  router.post(
    "/v1/webhooks/:webhookId/deliveries/:deliveryId/redeliver",
    admin,
    async (req, res) => {
      const delivery = await redeliverWebhookDelivery(
        deps,
        res.locals.caller,
        pathParam(req, "webhookId"),
        pathParam(req, "deliveryId"),
      );
      res.status(202).json(toWebhookDelivery(delivery));
    },
  );

  return router;
}

import type { AccountUpdate } from "@sqibs/api-client";
import { Router } from "express";
import type { AppDeps } from "../../container.js";
import { toAccount } from "../../http/views.js";
import { getAccount, updateAccount } from "../../usecases/account.js";
import { adminOnly, jsonBody } from "./params.js";

export function accountRoutes(deps: AppDeps): Router {
  const router = Router();
  const admin = adminOnly(deps);

  router.get("/v1/account", admin, async (_req, res) => {
    res.json(toAccount(getAccount(res.locals.caller)));
  });

  router.patch("/v1/account", admin, async (req, res) => {
    const account = await updateAccount(deps, res.locals.caller, jsonBody<AccountUpdate>(req));
    res.json(toAccount(account));
  });

  return router;
}

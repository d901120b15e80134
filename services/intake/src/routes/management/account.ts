import type { AccountUpdate } from "@sqibs/api-client";
import { Router } from "express";
import type { AppDeps } from "../../http/deps.js";
import { toAccount } from "../../http/views.js";
import { getAccount, updateAccount } from "../../usecases/account.js";
import { adminOnly, jsonBody } from "./params.js";

export function accountRoutes(deps: AppDeps): Router {
  const router = Router();
  const admin = adminOnly(deps);

  router.get("/v1/account", admin, async (_req, res) => {
    res.json(toAccount(await getAccount(deps, res.locals.token)));
  });

  router.patch("/v1/account", admin, async (req, res) => {
    const account = await updateAccount(deps, res.locals.token, jsonBody<AccountUpdate>(req));
    res.json(toAccount(account));
  });

  return router;
}

import type { TokenCreate, TokenRotate, TokenUpdate } from "@sqibs/api-client";
import { Router } from "express";
import type { AppDeps } from "../../container.js";
import { toIssuedToken, toToken } from "../../http/views.js";
import {
  createToken,
  listTokens,
  revokeToken,
  rotateToken,
  updateToken,
} from "../../usecases/tokens.js";
import { adminOnly, jsonBody, pathParam } from "./params.js";

export function tokenRoutes(deps: AppDeps): Router {
  const router = Router();
  const admin = adminOnly(deps);

  router.post("/v1/tokens", admin, async (req, res) => {
    const issued = await createToken(deps, res.locals.caller, jsonBody<TokenCreate>(req));
    res.status(201).json(toIssuedToken(issued));
  });

  router.get("/v1/tokens", admin, async (_req, res) => {
    const tokens = await listTokens(deps, res.locals.caller);
    res.json({ items: tokens.map(toToken) });
  });

  router.patch("/v1/tokens/:tokenId", admin, async (req, res) => {
    const token = await updateToken(
      deps,
      res.locals.caller,
      pathParam(req, "tokenId"),
      jsonBody<TokenUpdate>(req),
    );
    res.json(toToken(token));
  });

  router.delete("/v1/tokens/:tokenId", admin, async (req, res) => {
    await revokeToken(deps, res.locals.caller, pathParam(req, "tokenId"));
    res.status(204).end();
  });

  router.post("/v1/tokens/:tokenId/rotate", admin, async (req, res) => {
    const { graceSeconds } = jsonBody<TokenRotate>(req);
    const issued = await rotateToken(
      deps,
      res.locals.caller,
      pathParam(req, "tokenId"),
      graceSeconds,
    );
    res.json(toIssuedToken(issued));
  });

  return router;
}

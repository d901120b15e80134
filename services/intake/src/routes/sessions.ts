import type { Session, SessionCreate } from "@sqibs/api-client";
import { type Request, Router } from "express";
import { authenticateSecret } from "../http/auth.js";
import type { AppDeps } from "../http/deps.js";
import {
  baseUrlOf,
  clearSessionCookie,
  requireSession,
  setSessionCookie,
} from "../http/session.js";
import type { AccountDoc } from "../repositories/documents.js";
import type { SessionDoc } from "../repositories/sessions.js";
import { getAccount } from "../usecases/account.js";
import { closeSession, csrfTokenOf, idleEndOf, openSession } from "../usecases/sessions.js";
import { jsonBody } from "./management/params.js";

/** Console sign-in and sign-out (openapi/paths/sessions). */
export function sessionRoutes(deps: AppDeps): Router {
  const router = Router();
  const view = (
    req: Request,
    session: SessionDoc,
    account: AccountDoc,
    secret: string,
  ): Session => ({
    accountId: account._id.toHexString(),
    accountName: account.name,
    tokenId: session.tokenId.toHexString(),
    idleTimeoutSeconds: deps.config.SESSION_IDLE_SECONDS,
    expiresAt: idleEndOf(deps, session).toISOString(),
    csrfToken: csrfTokenOf(secret),
    baseUrl: baseUrlOf(req, deps.config),
  });

  router.post("/v1/sessions", async (req, res) => {
    const token = await authenticateSecret(deps, jsonBody<SessionCreate>(req).token.trim(), [
      "admin",
    ]);
    const { secret, session, account } = await openSession(deps, token);
    setSessionCookie(req, res, deps.config, secret);
    res.status(201).json(view(req, session, account, secret));
  });

  router.get("/v1/sessions", async (req, res) => {
    const { session, token, secret } = await requireSession(deps, req);
    res.json(view(req, session, await getAccount(deps, token), secret));
  });

  router.delete("/v1/sessions", async (req, res) => {
    const { session } = await requireSession(deps, req);
    await closeSession(deps, session);
    clearSessionCookie(req, res, deps.config);
    res.status(204).end();
  });

  return router;
}

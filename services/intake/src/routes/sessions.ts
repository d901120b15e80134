import type { SessionCreate } from "@sqibs/api-client";
import { type Request, Router } from "express";
import type { AppDeps } from "../container.js";
import {
  baseUrlOf,
  clearSessionCookie,
  sessionCredentials,
  setSessionCookie,
} from "../http/session.js";
import { toSession } from "../http/views.js";
import { authenticate } from "../usecases/authenticate.js";
import {
  closeSession,
  csrfTokenOf,
  idleEndOf,
  liveSessionOf,
  type OpenedSession,
  openSession,
} from "../usecases/sessions.js";
import { jsonBody } from "./management/params.js";

/** Console sign-in and sign-out (openapi/paths/sessions). */
export function sessionRoutes(deps: AppDeps): Router {
  const router = Router();
  const view = (req: Request, { session, account, secret }: OpenedSession) =>
    toSession({
      session,
      account,
      idleTimeoutSeconds: deps.config.SESSION_IDLE_SECONDS,
      expiresAt: idleEndOf(deps, session),
      csrfToken: csrfTokenOf(secret),
      baseUrl: baseUrlOf(req, deps.config),
    });

  router.post("/v1/sessions", async (req, res) => {
    const secrets = [jsonBody<SessionCreate>(req).token.trim()];
    const caller = await authenticate(deps, { kind: "api-token", secrets }, { scopes: ["admin"] });
    const opened = await openSession(deps, caller);
    setSessionCookie(req, res, deps.config, opened.secret);
    res.status(201).json(view(req, opened));
  });

  router.get("/v1/sessions", async (req, res) => {
    res.json(view(req, await liveSessionOf(deps, sessionCredentials(req))));
  });

  router.delete("/v1/sessions", async (req, res) => {
    const { session } = await liveSessionOf(deps, sessionCredentials(req));
    await closeSession(deps, session);
    clearSessionCookie(req, res, deps.config);
    res.status(204).end();
  });

  return router;
}

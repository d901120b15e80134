import type { TeamCreate, TeamUpdate } from "@sqibs/api-client";
import { Router } from "express";
import type { AppDeps } from "../../container.js";
import { toTeam } from "../../http/views.js";
import { createTeam, deleteTeam, getTeam, listTeams, renameTeam } from "../../usecases/teams.js";
import { adminOnly, jsonBody, pathParam } from "./params.js";

export function teamRoutes(deps: AppDeps): Router {
  const router = Router();
  const admin = adminOnly(deps);

  router.post("/v1/teams", admin, async (req, res) => {
    const team = await createTeam(deps, res.locals.caller, jsonBody<TeamCreate>(req));
    res.status(201).json(toTeam(team));
  });

  router.get("/v1/teams", admin, async (_req, res) => {
    const teams = await listTeams(deps, res.locals.caller);
    res.json({ items: teams.map(toTeam) });
  });

  router.get("/v1/teams/:teamId", admin, async (req, res) => {
    res.json(toTeam(await getTeam(deps, res.locals.caller, pathParam(req, "teamId"))));
  });

  router.patch("/v1/teams/:teamId", admin, async (req, res) => {
    const team = await renameTeam(
      deps,
      res.locals.caller,
      pathParam(req, "teamId"),
      jsonBody<TeamUpdate>(req),
    );
    res.json(toTeam(team));
  });

  router.delete("/v1/teams/:teamId", admin, async (req, res) => {
    await deleteTeam(deps, res.locals.caller, pathParam(req, "teamId"));
    res.status(204).end();
  });

  return router;
}

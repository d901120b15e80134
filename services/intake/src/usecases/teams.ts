import type { TeamCreate, TeamUpdate } from "@sqibs/api-client";
import type { AppDeps } from "../container.js";
import { AppError } from "../errors.js";
import { isEntityId, type NameTaken, type Service, type Team } from "../repositories/index.js";
import { createWithinCap } from "./account-caps.js";
import { type Caller, idOrNotFound, notFound, requiredText } from "./caller.js";
import { deleteWebhooksScopedTo } from "./webhooks.js";

export type { Team };

/** POST /v1/teams: a name no other team of the account has (in any case). */
export async function createTeam(deps: AppDeps, caller: Caller, input: TeamCreate): Promise<Team> {
  const name = requiredText(input.name, "name");
  const now = deps.clock();
  // The default team exists before any other: its name is then taken like any other's.
  await deps.repositories.teams.ensureDefault(caller.account.id, now);
  return createWithinCap(deps, caller, "teams", async () =>
    unlessTaken(await deps.repositories.teams.create({ accountId: caller.account.id, name }, now)),
  );
}

/** The default team first, then oldest first. */
export async function listTeams(deps: AppDeps, caller: Caller): Promise<Team[]> {
  const teams = await deps.repositories.teams.listByAccount(caller.account.id);
  if (teams.some((team) => team.isDefault)) return teams;
  // An account made by the release before teams, after the start-up migration ran.
  await deps.repositories.teams.ensureDefault(caller.account.id, deps.clock());
  return deps.repositories.teams.listByAccount(caller.account.id);
}

export async function getTeam(deps: AppDeps, caller: Caller, teamId: string): Promise<Team> {
  const id = idOrNotFound(teamId, "team");
  const team = await deps.repositories.teams.findInAccount(caller.account.id, id);
  if (!team) throw notFound("team", teamId);
  return team;
}

export async function renameTeam(
  deps: AppDeps,
  caller: Caller,
  teamId: string,
  input: TeamUpdate,
): Promise<Team> {
  const id = idOrNotFound(teamId, "team");
  if (input.name === undefined) return getTeam(deps, caller, teamId);
  const name = requiredText(input.name, "name");
  const renamed = await deps.repositories.teams.rename(caller.account.id, id, name, deps.clock());
  if (!renamed) throw notFound("team", teamId);
  return unlessTaken(renamed);
}

/**
 * DELETE /v1/teams/{id}: only a team without services, never the default one. Its team
 * tokens are revoked and its team webhooks deleted with it.
 */
export async function deleteTeam(deps: AppDeps, caller: Caller, teamId: string): Promise<void> {
  const team = await getTeam(deps, caller, teamId);
  const accountId = caller.account.id;
  if (team.isDefault) {
    throw new AppError(
      "CONFLICT",
      `The team ${team.name} (${team.id}) is the account's default team; it cannot be deleted.`,
    );
  }
  const services = await servicesOfTeam(deps, accountId, team.id);
  if (services.length > 0) {
    const named = services.map((service) => `${service.name} (${service.id})`).join(", ");
    throw new AppError(
      "CONFLICT",
      `The team still has ${services.length} service${services.length === 1 ? "" : "s"}: ${named}. Move ${services.length === 1 ? "it" : "them"} to another team first (PATCH /v1/services/{serviceId} with teamId).`,
    );
  }
  if (!(await deps.repositories.teams.delete(accountId, team.id))) throw notFound("team", teamId);
  await deps.repositories.tokens.revokeScopedTo(accountId, { teamId: team.id }, deps.clock());
  await deleteWebhooksScopedTo(deps, accountId, { teamId: team.id });
}

/** The account's services in a team (from the cached list every ingest call reads). */
export async function servicesOfTeam(
  deps: AppDeps,
  accountId: string,
  teamId: string,
): Promise<Service[]> {
  const services = await deps.repositories.services.listByAccount(accountId);
  return services.filter((service) => service.teamId === teamId);
}

/**
 * The team a body names (`teamId`), which must be a team of the caller's account: an unknown
 * one is a 404 like every id of another account. Without one, the default team.
 */
export async function teamOrDefault(
  deps: AppDeps,
  caller: Caller,
  teamId: string | undefined,
): Promise<Team> {
  if (teamId === undefined) {
    return deps.repositories.teams.ensureDefault(caller.account.id, deps.clock());
  }
  const team = isEntityId(teamId)
    ? await deps.repositories.teams.findInAccount(caller.account.id, teamId)
    : null;
  if (!team) throw notFound("team", teamId);
  return team;
}

function unlessTaken(result: Team | NameTaken): Team {
  if ("id" in result) return result;
  throw new AppError("CONFLICT", `The account already has a team named ${result.taken}.`, {
    errors: [{ field: "name", message: "another team has this name" }],
  });
}

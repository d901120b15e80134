import type { AppDeps } from "../container.js";
import { AppError } from "../errors.js";
import { isEntityId } from "../repositories/index.js";
import { type Caller, notFound } from "./caller.js";

/** What a scoped token or webhook names: its team (`team` scope) or service (`service`). */
export interface ScopeTarget {
  teamId?: string;
  serviceId?: string;
}

/**
 * The team or service a token's or webhook's scope names: `teamId` for the team scope,
 * `serviceId` for the service scope, required there and refused for every other scope (400
 * naming the field); it must be the caller's account's (else 404, like an id of no one).
 */
export async function scopeTarget(
  deps: AppDeps,
  caller: Caller,
  what: "token" | "webhook",
  input: { scope: string } & ScopeTarget,
): Promise<ScopeTarget> {
  const accountId = caller.account.id;
  const teamId = scopedId(what, input.scope, "team", input.teamId);
  const serviceId = scopedId(what, input.scope, "service", input.serviceId);
  if (teamId !== undefined) {
    const team = isEntityId(teamId)
      ? await deps.repositories.teams.findInAccount(accountId, teamId)
      : null;
    if (!team) throw notFound("team", teamId);
    return { teamId };
  }
  if (serviceId !== undefined) {
    const service = isEntityId(serviceId)
      ? await deps.repositories.services.findInAccount(accountId, serviceId)
      : null;
    if (!service) throw notFound("service", serviceId);
    return { serviceId };
  }
  return {};
}

function scopedId(
  what: "token" | "webhook",
  scope: string,
  needs: "team" | "service",
  id: string | undefined,
): string | undefined {
  const field = `${needs}Id`;
  if (scope === needs && id === undefined) {
    throw new AppError("INVALID_REQUEST", `${field}: a ${needs} ${what} needs the ${needs}'s id.`, {
      errors: [{ field, message: `required for the ${needs} scope` }],
    });
  }
  if (scope !== needs && id !== undefined) {
    throw new AppError(
      "INVALID_REQUEST",
      `${field}: only ${needs} ${what}s name a ${needs}; a ${scope} ${what} does not.`,
      { errors: [{ field, message: `only for the ${needs} scope` }] },
    );
  }
  return id;
}

import { type IncidentStatus, type LifecycleAction, TRANSITIONS } from "@sqibs/domain";
import type { AppDeps } from "../container.js";
import { AppError } from "../errors.js";
import type { Incident, IncidentEvent, IncidentListing } from "../repositories/index.js";
import { actorOf, type Caller, idOrNotFound, notFound, queryId } from "./caller.js";
import { announceTransitions } from "./outbox.js";
import {
  decodeEventCursor,
  encodeEventCursor,
  type Page,
  type PageQuery,
  pageSize,
  readPage,
} from "./pagination.js";

export interface IncidentQuery extends PageQuery {
  status?: IncidentStatus | undefined;
  serviceId?: string | undefined;
  source?: string | undefined;
}

/** Newest first, one page; filters by status, service and source (`from`). */
export function listIncidents(
  deps: AppDeps,
  caller: Caller,
  query: IncidentQuery,
): Promise<Page<IncidentListing>> {
  const serviceId = queryId(query.serviceId, "serviceId", "service");
  const { status, source } = query;
  const accountId = caller.account.id;
  return readPage(query, (before, limit) =>
    deps.repositories.incidents.listPage({ accountId, status, serviceId, source, before, limit }),
  );
}

/** GET /v1/incidents/{id}/events: every event, newest first, a page at a time. */
export async function listIncidentEvents(
  deps: AppDeps,
  caller: Caller,
  incidentId: string,
  query: PageQuery,
): Promise<Page<IncidentEvent>> {
  const id = idOrNotFound(incidentId, "incident");
  const after = decodeEventCursor(query.cursor);
  const page = await deps.repositories.incidents.eventsPage(
    caller.account.id,
    id,
    after,
    pageSize(query),
  );
  if (!page) throw notFound("incident", incidentId);
  return {
    items: page.items,
    ...(page.next ? { nextCursor: encodeEventCursor(page.next) } : {}),
  };
}

export async function getIncident(
  deps: AppDeps,
  caller: Caller,
  incidentId: string,
): Promise<Incident> {
  const id = idOrNotFound(incidentId, "incident");
  const incident = await deps.repositories.incidents.findInAccount(caller.account.id, id);
  if (!incident) throw notFound("incident", incidentId);
  return incident;
}

/**
 * Moves the incident along its lifecycle (the domain's TRANSITIONS); a transition its status
 * does not allow is a 409.
 */
export async function transitionIncident(
  deps: AppDeps,
  caller: Caller,
  incidentId: string,
  action: LifecycleAction,
  comment?: string,
): Promise<Incident> {
  const id = idOrNotFound(incidentId, "incident");
  const rule = TRANSITIONS[action];
  const accountId = caller.account.id;
  const event = {
    at: deps.clock(),
    type: rule.event,
    actor: actorOf(caller),
    ...(comment !== undefined && comment.trim() !== "" ? { comment } : {}),
  };
  const updated = await deps.repositories.incidents.transition(
    accountId,
    id,
    rule.from,
    rule.to,
    event,
    announceTransitions(deps),
  );
  if (updated) return updated;
  const current = await deps.repositories.incidents.findInAccount(accountId, id);
  if (!current) throw notFound("incident", incidentId);
  throw new AppError(
    "CONFLICT",
    `Incident #${current.number} is ${current.status}; only ${rule.from.join(" or ")} incidents can be ${rule.done}.`,
  );
}

import { AppError } from "../errors.js";
import type { AppDeps } from "../http/deps.js";
import type { IncidentDoc, IncidentEventType, IncidentStatus } from "../repositories/documents.js";
import { parseId } from "../repositories/ids.js";
import type { IncidentListDoc } from "../repositories/incidents.js";
import { actorOf, type Caller, idOrNotFound, notFound } from "./caller.js";
import { type Page, type PageQuery, readPage } from "./pagination.js";

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
): Promise<Page<IncidentListDoc>> {
  const serviceId = query.serviceId === undefined ? undefined : parseId(query.serviceId);
  if (query.serviceId !== undefined && !serviceId) {
    throw new AppError("INVALID_REQUEST", "serviceId: not a service id.", {
      errors: [{ field: "serviceId", message: "not a service id" }],
    });
  }
  return readPage(query, (before, limit) =>
    deps.repositories.incidents.listPage({
      accountId: caller.accountId,
      ...(query.status ? { status: query.status } : {}),
      ...(serviceId ? { serviceId } : {}),
      ...(query.source !== undefined ? { source: query.source } : {}),
      ...(before ? { before } : {}),
      limit,
    }),
  );
}

export async function getIncident(
  deps: AppDeps,
  caller: Caller,
  incidentId: string,
): Promise<IncidentDoc> {
  const id = idOrNotFound(incidentId, "incident");
  const incident = await deps.repositories.incidents.findInAccount(caller.accountId, id);
  if (!incident) throw notFound("incident", incidentId);
  return incident;
}

export type IncidentAction = "acknowledge" | "unacknowledge" | "resolve";

/** PRODUCT.md §8: triggered → acknowledged → resolved; unacknowledge returns to triggered. */
const TRANSITIONS: Record<
  IncidentAction,
  { from: IncidentStatus[]; to: IncidentStatus; event: IncidentEventType; done: string }
> = {
  acknowledge: {
    from: ["triggered"],
    to: "acknowledged",
    event: "acknowledged",
    done: "acknowledged",
  },
  unacknowledge: {
    from: ["acknowledged"],
    to: "triggered",
    event: "unacknowledged",
    done: "unacknowledged",
  },
  resolve: {
    from: ["triggered", "acknowledged"],
    to: "resolved",
    event: "resolved",
    done: "resolved",
  },
};

/** Moves the incident along its lifecycle; a transition its status does not allow is a 409. */
export async function transitionIncident(
  deps: AppDeps,
  caller: Caller,
  incidentId: string,
  action: IncidentAction,
  comment?: string,
): Promise<IncidentDoc> {
  const id = idOrNotFound(incidentId, "incident");
  const rule = TRANSITIONS[action];
  const updated = await deps.repositories.incidents.transition(
    caller.accountId,
    id,
    rule.from,
    rule.to,
    {
      at: deps.clock(),
      type: rule.event,
      actor: actorOf(caller),
      ...(comment !== undefined && comment.trim() !== "" ? { comment } : {}),
    },
  );
  if (updated) return updated;
  const current = await deps.repositories.incidents.findInAccount(caller.accountId, id);
  if (!current) throw notFound("incident", incidentId);
  throw new AppError(
    "CONFLICT",
    `Incident #${current.number} is ${current.status}; only ${rule.from.join(" or ")} incidents can be ${rule.done}.`,
  );
}

import type {
  Account,
  ApiLogEntry,
  Incident,
  IncidentListItem,
  IssuedToken,
  RequestDetail,
  Service,
  StoredPayload as StoredPayloadView,
  Token,
} from "@sqibs/api-client";
import { maintenanceHolds } from "@sqibs/domain";
import type {
  AccountDoc,
  ApiLogDoc,
  IncidentDoc,
  RequestDoc,
  ServiceDoc,
  StoredPayload,
  TokenDoc,
} from "../repositories/documents.js";
import { payloadBytes } from "../repositories/ids.js";
import type { IncidentListDoc } from "../repositories/incidents.js";
import type { IncidentAction } from "../usecases/ingest.js";

/** Documents as the API shows them (the OpenAPI schemas). */
export function toIncidentSummary(
  incident: Pick<
    IncidentDoc,
    "_id" | "number" | "serviceId" | "title" | "status" | "urgency" | "correlationKey"
  >,
  action: IncidentAction,
) {
  return {
    id: incident._id.toHexString(),
    number: incident.number,
    serviceId: incident.serviceId.toHexString(),
    title: incident.title,
    status: incident.status,
    urgency: incident.urgency,
    ...(incident.correlationKey !== undefined ? { correlationKey: incident.correlationKey } : {}),
    action,
  };
}

export function toRequest(request: Omit<RequestDoc, "payload">) {
  return {
    id: request._id.toHexString(),
    title: request.title,
    description: request.description,
    ...(request.workflowId !== undefined ? { workflowId: request.workflowId } : {}),
    ...(request.source !== undefined ? { source: request.source } : {}),
    createdAt: request.createdAt.toISOString(),
  };
}

// ---- Management API views: typed by the generated client, so a drift from the spec fails
// ---- the typecheck (and the tests validate every response against the document).

const iso = (date: Date): string => date.toISOString();
const isoIf = <K extends string>(key: K, date: Date | undefined): { [P in K]?: string } =>
  (date === undefined ? {} : { [key]: date.toISOString() }) as { [P in K]?: string };

export function toAccount(account: AccountDoc): Account {
  return {
    id: account._id.toHexString(),
    name: account.name,
    language: account.language,
    createdAt: iso(account.createdAt),
    updatedAt: iso(account.updatedAt),
  };
}

/**
 * `inMaintenance`: whether the window holds at `now` (tags narrow it to matching payloads).
 * The stored state "maintenance" (not settable through the API) shows as an active service
 * with an open-ended window.
 */
export function toService(service: ServiceDoc, now: Date): Service {
  const { state, maintenance } = service;
  const window = maintenance ?? (state === "maintenance" ? {} : undefined);
  return {
    id: service._id.toHexString(),
    name: service.name,
    state: state === "maintenance" ? "active" : state,
    ...(service.titleKey !== undefined ? { titleKey: service.titleKey } : {}),
    ...(service.descriptionKey !== undefined ? { descriptionKey: service.descriptionKey } : {}),
    ...(service.filter !== undefined ? { filter: service.filter } : {}),
    ...(service.template !== undefined ? { template: service.template } : {}),
    ...(window
      ? {
          maintenance: {
            ...isoIf("start", window.start),
            ...isoIf("end", window.end),
            ...(window.tags ? { tags: window.tags } : {}),
          },
        }
      : {}),
    inMaintenance: maintenanceHolds({ state, maintenance, now }),
    createdAt: iso(service.createdAt),
    updatedAt: iso(service.updatedAt),
  };
}

/** Never the secret nor its hash: only the prefix people recognize it by. */
export function toToken(token: TokenDoc): Token {
  return {
    id: token._id.toHexString(),
    name: token.name,
    scope: token.scope,
    ...(token.serviceId ? { serviceId: token.serviceId.toHexString() } : {}),
    prefix: token.prefix,
    debug: token.debug,
    createdAt: iso(token.createdAt),
    ...isoIf("lastUsedAt", token.lastUsedAt),
    ...isoIf("revokedAt", token.revokedAt),
  };
}

export function toIssuedToken(issued: { token: TokenDoc; secret: string }): IssuedToken {
  return { token: toToken(issued.token), secret: issued.secret };
}

export function toIncidentListItem(incident: IncidentListDoc): IncidentListItem {
  return {
    id: incident._id.toHexString(),
    number: incident.number,
    serviceId: incident.serviceId.toHexString(),
    title: incident.title,
    urgency: incident.urgency,
    status: incident.status,
    ...(incident.correlationKey !== undefined ? { correlationKey: incident.correlationKey } : {}),
    ...(incident.source !== undefined ? { source: incident.source } : {}),
    eventCount: incident.eventCount,
    createdAt: iso(incident.createdAt),
    updatedAt: iso(incident.updatedAt),
    lastEventAt: iso(incident.lastEventAt),
    ...isoIf("acknowledgedAt", incident.acknowledgedAt),
    ...isoIf("resolvedAt", incident.resolvedAt),
  };
}

export function toIncident(incident: IncidentDoc): Incident {
  const { correlationKey, source, acknowledgedAt, resolvedAt, autoResolveAfterSeconds } = incident;
  return {
    id: incident._id.toHexString(),
    number: incident.number,
    serviceId: incident.serviceId.toHexString(),
    title: incident.title,
    description: incident.description,
    urgency: incident.urgency,
    status: incident.status,
    ...(correlationKey !== undefined ? { correlationKey } : {}),
    ...(source !== undefined ? { source } : {}),
    eventCount: incident.eventCount,
    events: incident.events.map((event) => ({
      at: iso(event.at),
      type: event.type,
      actor: event.actor,
      ...(event.comment !== undefined ? { comment: event.comment } : {}),
    })),
    payload: toPayload(incident.payload),
    ...(autoResolveAfterSeconds !== undefined ? { autoResolveAfterSeconds } : {}),
    createdAt: iso(incident.createdAt),
    updatedAt: iso(incident.updatedAt),
    lastEventAt: iso(incident.lastEventAt),
    ...isoIf("acknowledgedAt", acknowledgedAt),
    ...isoIf("resolvedAt", resolvedAt),
  };
}

export function toRequestDetail(request: RequestDoc): RequestDetail {
  return { ...toRequest(request), payload: toPayload(request.payload) };
}

const STRICT_UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** The bytes as received: as text when they are valid UTF-8, and always as base64. */
export function toPayload(payload: StoredPayload): StoredPayloadView {
  const bytes = payloadBytes(payload);
  let body: string | undefined;
  try {
    body = STRICT_UTF8.decode(bytes);
  } catch {
    body = undefined;
  }
  return {
    contentType: payload.contentType,
    ...(body !== undefined ? { body } : {}),
    bodyBase64: bytes.toString("base64"),
  };
}

export function toApiLogEntry(entry: ApiLogDoc): ApiLogEntry {
  return {
    id: entry._id.toHexString(),
    tokenId: entry.tokenId.toHexString(),
    endpoint: entry.endpoint,
    at: iso(entry.at),
    ...(entry.from !== undefined ? { from: entry.from } : {}),
    contentType: entry.contentType,
    bodySize: entry.bodySize,
    decisions: entry.decisions.map((decision) => ({
      serviceId: decision.serviceId.toHexString(),
      kind: decision.kind,
      ...(decision.reason !== undefined ? { reason: decision.reason } : {}),
      ...(decision.incidentId ? { incidentId: decision.incidentId.toHexString() } : {}),
    })),
    status: entry.status,
  };
}

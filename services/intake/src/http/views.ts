import type {
  Account as AccountView,
  ApiLogEntry as ApiLogEntryView,
  FilterTestResult,
  IncidentEvent as IncidentEventView,
  IncidentListItem,
  Incident as IncidentView,
  IntegrationTemplate as IntegrationTemplateView,
  IssuedToken as IssuedTokenView,
  IngestResult as ProcessResultView,
  RequestDetail,
  RequestResult as RequestResultView,
  Request as RequestView,
  Service as ServiceView,
  Session as SessionView,
  StoredPayload as StoredPayloadView,
  Token as TokenView,
} from "@sqibs/api-client";
import { maintenanceHolds } from "@sqibs/domain";
import { normalizeLanguage } from "@sqibs/i18n";
import { findTemplate, type IntegrationTemplate } from "@sqibs/templates";
import type {
  Account,
  ApiLogEntry,
  ConsoleSession,
  Incident,
  IncidentEvent,
  IncidentListing,
  Service,
  ServiceRequest,
  ServiceRequestListing,
  StoredPayload,
  Token,
} from "../repositories/index.js";
import type {
  IngestResult,
  ProcessAnswer,
  RequestAnswer,
  RequestSummary,
} from "../usecases/ingest.js";
import type { FilterTrial } from "../usecases/services.js";
import type { IssuedToken } from "../usecases/tokens.js";

// Entities as the API shows them: typed by the generated client, so a drift from the spec
// fails the typecheck (and the tests validate every response against the document).

const iso = (date: Date): string => date.toISOString();
const isoIf = <K extends string>(key: K, date: Date | undefined): { [P in K]?: string } =>
  (date === undefined ? {} : { [key]: date.toISOString() }) as { [P in K]?: string };
const optional = <K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } =>
  (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
const replayed = (result: IngestResult<unknown>) => (result.replayed ? { replayed: true } : {});

/**
 * The answer of POST /v1/process (a replayed retry says so). The flags are booleans, as the
 * hosted product documents them; the counts stay in the stored answer (metrics, and answers
 * stored before the flags were booleans replay the same).
 */
export function toProcessResult(result: IngestResult<ProcessAnswer>): ProcessResultView {
  const { answer } = result;
  const { triggered, resolved } = answer;
  return {
    id: answer.id,
    triggered: { created: triggered.created > 0, duplicate: triggered.duplicate > 0 },
    resolved: { resolved: resolved.resolved > 0, duplicate: resolved.duplicate > 0 },
    incidents: answer.incidents.map((incident) => ({
      id: incident.id,
      number: incident.number,
      serviceId: incident.serviceId,
      title: incident.title,
      status: incident.status,
      urgency: incident.urgency,
      ...optional("correlationKey", incident.correlationKey),
      action: incident.action,
    })),
    ...optional("reason", answer.reason),
    ...replayed(result),
  };
}

/** The answer of POST /v1/request (a replayed retry says so). */
export function toRequestResult(result: IngestResult<RequestAnswer>): RequestResultView {
  return { id: result.answer.id, request: toRequest(result.answer.request), ...replayed(result) };
}

export function toRequest(request: RequestSummary | ServiceRequestListing): RequestView {
  return {
    id: request.id,
    title: request.title,
    description: request.description,
    ...optional("workflowId", request.workflowId),
    ...optional("source", request.source),
    createdAt: iso(request.createdAt),
  };
}

export function toRequestDetail(request: ServiceRequest): RequestDetail {
  return { ...toRequest(request), payload: toPayload(request.payload) };
}

export function toAccount(account: Account): AccountView {
  return {
    id: account.id,
    name: account.name,
    language: normalizeLanguage(account.language),
    ...optional("rateLimitPerMinute", account.rateLimitPerMinute),
    createdAt: iso(account.createdAt),
    updatedAt: iso(account.updatedAt),
  };
}

/**
 * `inMaintenance`: whether the window holds at `now` (tags narrow it to matching payloads).
 * The stored state "maintenance" (not settable through the API) shows as an active service
 * with an open-ended window.
 */
export function toService(service: Service, now: Date): ServiceView {
  const { state, maintenance } = service;
  const window = maintenance ?? (state === "maintenance" ? {} : undefined);
  return {
    id: service.id,
    name: service.name,
    state: state === "maintenance" ? "active" : state,
    ...optional("titleKey", service.titleKey),
    ...optional("descriptionKey", service.descriptionKey),
    ...optional("filter", service.filter),
    ...optional("template", templateNameOf(service.template)),
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

/** The template a service was made from, when it is still a built-in one. */
function templateNameOf(name: string | undefined): IntegrationTemplate["name"] | undefined {
  return name === undefined ? undefined : findTemplate(name)?.name;
}

/** Never the secret nor its hash: only the prefix people recognize it by. */
export function toToken(token: Token): TokenView {
  return {
    id: token.id,
    name: token.name,
    scope: token.scope,
    ...(token.serviceId ? { serviceId: token.serviceId } : {}),
    prefix: token.prefix,
    debug: token.debug,
    ...optional("rateLimitPerMinute", token.rateLimitPerMinute),
    createdAt: iso(token.createdAt),
    ...isoIf("lastUsedAt", token.lastUsedAt),
    ...isoIf("revokedAt", token.revokedAt),
  };
}

export function toIssuedToken(issued: IssuedToken): IssuedTokenView {
  return { token: toToken(issued.token), secret: issued.secret };
}

export function toIncidentListItem(incident: IncidentListing): IncidentListItem {
  return {
    id: incident.id,
    number: incident.number,
    serviceId: incident.serviceId,
    title: incident.title,
    urgency: incident.urgency,
    status: incident.status,
    ...optional("correlationKey", incident.correlationKey),
    ...optional("source", incident.source),
    eventCount: incident.eventCount,
    createdAt: iso(incident.createdAt),
    updatedAt: iso(incident.updatedAt),
    lastEventAt: iso(incident.lastEventAt),
    ...isoIf("acknowledgedAt", incident.acknowledgedAt),
    ...isoIf("resolvedAt", incident.resolvedAt),
  };
}

export function toIncident(incident: Incident): IncidentView {
  return {
    ...toIncidentListItem(incident),
    description: incident.description,
    events: incident.events.map(toIncidentEvent),
    payload: toPayload(incident.payload),
    ...optional("autoResolveAfterSeconds", incident.autoResolveAfterSeconds),
  };
}

export function toIncidentEvent(event: IncidentEvent): IncidentEventView {
  return {
    at: iso(event.at),
    type: event.type,
    actor: event.actor,
    ...optional("comment", event.comment),
  };
}

const STRICT_UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** The bytes as received: as text when they are valid UTF-8, and always as base64. */
export function toPayload(payload: StoredPayload): StoredPayloadView {
  let body: string | undefined;
  try {
    body = STRICT_UTF8.decode(payload.body);
  } catch {
    body = undefined;
  }
  return {
    contentType: payload.contentType,
    ...optional("body", body),
    bodyBase64: Buffer.from(payload.body).toString("base64"),
  };
}

export function toApiLogEntry(entry: ApiLogEntry): ApiLogEntryView {
  return {
    id: entry.id,
    tokenId: entry.tokenId,
    endpoint: entry.endpoint,
    at: iso(entry.at),
    ...optional("from", entry.from),
    contentType: entry.contentType,
    bodySize: entry.bodySize,
    decisions: entry.decisions.map((decision) => ({
      serviceId: decision.serviceId,
      kind: decision.kind,
      ...optional("reason", decision.reason),
      ...(decision.incidentId ? { incidentId: decision.incidentId } : {}),
    })),
    status: entry.status,
  };
}

/** A filter trial; triggerIndex only for a configured trigger (not the default rules). */
export function toFilterTestResult({ decision, maintenance }: FilterTrial): FilterTestResult {
  switch (decision.kind) {
    case "trigger":
      return {
        decision: "trigger",
        ...(decision.triggerIndex >= 0 ? { triggerIndex: decision.triggerIndex } : {}),
        urgency: decision.urgency,
        title: decision.title,
        description: decision.description,
        ...optional("correlationKey", decision.correlation),
        ...optional("autoResolveAfterSeconds", decision.autoResolveAfterSeconds),
        maintenance,
      };
    case "resolve":
      return {
        decision: "resolve",
        ...optional("correlationKey", decision.correlation),
        maintenance,
      };
    default:
      return { decision: decision.kind, reason: decision.reason, maintenance };
  }
}

/** A template with its guide as written (the address is the placeholder `https://sqibs.example.com`). */
export function toIntegrationTemplate(template: IntegrationTemplate): IntegrationTemplateView {
  return {
    name: template.name,
    title: template.title,
    description: template.description,
    from: template.from,
    filter: template.filter,
    guide: template.guide,
  };
}

/** A console session as the API shows it (never the cookie's secret). */
export function toSession(input: {
  session: ConsoleSession;
  account: Account;
  idleTimeoutSeconds: number;
  expiresAt: Date;
  csrfToken: string;
  baseUrl: string;
}): SessionView {
  return {
    accountId: input.account.id,
    accountName: input.account.name,
    tokenId: input.session.tokenId,
    idleTimeoutSeconds: input.idleTimeoutSeconds,
    expiresAt: iso(input.expiresAt),
    csrfToken: input.csrfToken,
    baseUrl: input.baseUrl,
  };
}

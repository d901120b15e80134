import type {
  Account as AccountView,
  ApiLogEntry as ApiLogEntryView,
  FilterTestResult,
  Incident as IncidentView,
  IntegrationTemplate as IntegrationTemplateView,
  IssuedToken as IssuedTokenView,
  IssuedWebhook as IssuedWebhookView,
  IngestResult as ProcessResultView,
  RequestDetail,
  RequestResult as RequestResultView,
  Service as ServiceView,
  Session as SessionView,
  StoredPayload as StoredPayloadView,
  Team as TeamView,
  Token as TokenView,
  WebhookAttempt as WebhookAttemptView,
  WebhookDelivery as WebhookDeliveryView,
  Webhook as WebhookView,
} from "@sqibs/api-client";
import { maintenanceHolds } from "@sqibs/domain";
import { normalizeLanguage } from "@sqibs/i18n";
import { findTemplate, type IntegrationTemplate } from "@sqibs/templates";
import type {
  Account,
  ApiLogEntry,
  ConsoleSession,
  Incident,
  Service,
  ServiceRequest,
  StoredPayload,
  Team,
  Token,
  WebhookAttempt,
} from "../repositories/index.js";
import type { IngestResult, ProcessAnswer, RequestAnswer } from "../usecases/ingest.js";
import { toIncidentEvent, toIncidentListItem, toRequest } from "../usecases/listings.js";
import type { FilterTrial } from "../usecases/services.js";
import type { IssuedToken } from "../usecases/tokens.js";
import {
  type DeliveryStatus,
  type IssuedWebhook,
  secretPrefixOf,
  type WebhookStatus,
} from "../usecases/webhooks.js";

// Entities as the API shows them: typed by the generated client, so a drift from the spec
// fails the typecheck (and the tests validate every response against the document).
// Incidents and requests as lists show them are in usecases/listings.ts: webhook events carry
// them too.
export { toIncidentEvent, toIncidentListItem, toRequest };

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
    teamId: service.teamId,
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
    ...(token.teamId ? { teamId: token.teamId } : {}),
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

export function toIncident(incident: Incident): IncidentView {
  return {
    ...toIncidentListItem(incident),
    description: incident.description,
    events: incident.events.map(toIncidentEvent),
    payload: toPayload(incident.payload),
    ...optional("autoResolveAfterSeconds", incident.autoResolveAfterSeconds),
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

export function toTeam(team: Team): TeamView {
  return {
    id: team.id,
    name: team.name,
    isDefault: team.isDefault,
    createdAt: iso(team.createdAt),
    updatedAt: iso(team.updatedAt),
  };
}

/** Never a secret: the current one's prefix, to recognize it by. */
export function toWebhook(webhook: WebhookStatus): WebhookView {
  return {
    id: webhook.id,
    scope: webhook.scope,
    ...optional("teamId", webhook.teamId),
    ...optional("serviceId", webhook.serviceId),
    url: webhook.url,
    events: webhook.events,
    ...optional("workflowId", webhook.workflowId),
    format: webhook.format,
    enabled: webhook.enabled,
    ...optional("disabledReason", webhook.disabledReason),
    ...isoIf("disabledAt", webhook.disabledAt),
    secretPrefix: secretPrefixOf(webhook),
    ...isoIf("lastSuccessAt", webhook.lastSuccessAt),
    ...(webhook.lastAttempt ? { lastAttempt: toWebhookAttempt(webhook.lastAttempt) } : {}),
    createdAt: iso(webhook.createdAt),
    updatedAt: iso(webhook.updatedAt),
  };
}

/** The webhook with its secret, shown this once. */
export function toIssuedWebhook(issued: IssuedWebhook): IssuedWebhookView {
  return { webhook: toWebhook(issued.webhook), secret: issued.secret };
}

export function toWebhookAttempt(attempt: WebhookAttempt): WebhookAttemptView {
  return {
    at: iso(attempt.at),
    succeeded: attempt.succeeded,
    ...optional("reason", attempt.reason),
    ...optional("detail", attempt.detail),
    ...optional("httpStatus", attempt.httpStatus),
    latencyMs: attempt.latencyMs,
    ...optional("response", attempt.response),
    ...optional("retryAfterSeconds", attempt.retryAfterSeconds),
    trigger: attempt.trigger,
  };
}

/** A delivery with every attempt (its URL as stored: user-info and query redacted). */
export function toWebhookDelivery(delivery: DeliveryStatus): WebhookDeliveryView {
  return {
    id: delivery.id,
    webhookId: delivery.webhookId,
    eventId: delivery.eventId,
    eventType: delivery.eventType,
    status: delivery.status,
    url: delivery.url,
    attempts: delivery.attempts.map(toWebhookAttempt),
    ...isoIf("nextAttemptAt", delivery.nextAttemptAt),
    createdAt: iso(delivery.createdAt),
  };
}

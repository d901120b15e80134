import type {
  ApiFilter,
  IncidentEventType,
  IncidentStatus,
  MaintenanceWindow,
  ServiceState,
  Urgency,
} from "@sqibs/domain";
import type {
  FailureReason,
  SubscribableEventType,
  WebhookEventType,
  WebhookFormat,
  WebhookScope,
} from "@sqibs/webhooks";

/**
 * What the repositories hand out and take in: ids are 24-digit hex strings and payloads plain
 * bytes. How they are stored (ObjectId, Binary, documents.ts) stays inside repositories/.
 */
export interface Account {
  id: string;
  name: string;
  language: string;
  /** Requests per minute for the whole account; absent: the configured default (0 = none). */
  rateLimitPerMinute?: number;
  /** Its set-up (service, tokens) has not finished: `sqibs init` finishes it. */
  setupPending?: true;
  createdAt: Date;
  updatedAt: Date;
}

/** Groups services; every service is in exactly one team (docs/product.md §10). */
export interface Team {
  id: string;
  accountId: string;
  name: string;
  /** The account's default team: where services go unless a team is named; never deleted. */
  isDefault: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface Service {
  id: string;
  accountId: string;
  name: string;
  /** Its team; a service stored before teams existed is in the account's default team. */
  teamId: string;
  state: ServiceState;
  titleKey?: string;
  descriptionKey?: string;
  filter?: ApiFilter;
  /** The integration template the service was created from (its filter may have changed since). */
  template?: string;
  maintenance?: MaintenanceWindow;
  createdAt: Date;
  updatedAt: Date;
}

export type TokenScope = "global" | "team" | "service" | "admin";

export interface Token {
  id: string;
  accountId: string;
  name: string;
  scope: TokenScope;
  teamId?: string;
  serviceId?: string;
  /** The first characters of the secret, for people to recognize it. */
  prefix: string;
  debug: boolean;
  /** Requests per minute with this token; absent: the configured default (0 = none). */
  rateLimitPerMinute?: number;
  createdAt: Date;
  lastUsedAt?: Date;
  revokedAt?: Date;
}

/** A body as received: its bytes and media type (user JSON is never stored as BSON). */
export interface StoredPayload {
  contentType: string | null;
  body: Uint8Array;
}

export interface IncidentEvent {
  at: Date;
  type: IncidentEventType;
  actor: string;
  /** The ingest call that caused it (the `id` of that call's answer). */
  callId?: string;
  comment?: string;
}

/** An incident as stored, without the events kept apart from it. */
export interface StoredIncident {
  id: string;
  accountId: string;
  serviceId: string;
  /** Per account, from 1. */
  number: number;
  title: string;
  description: string;
  urgency: Urgency;
  status: IncidentStatus;
  correlationKey?: string;
  source?: string;
  payload: StoredPayload;
  createdAt: Date;
  updatedAt: Date;
  acknowledgedAt?: Date;
  resolvedAt?: Date;
  autoResolveAfterSeconds?: number;
}

/** An incident with its whole history. */
export interface Incident extends StoredIncident {
  events: IncidentEvent[];
  eventCount: number;
  lastEventAt: Date;
}

/** An incident as listed: without its description, events and payload. */
export type IncidentListing = Omit<Incident, "description" | "events" | "payload">;

/** What POST /v1/request creates. */
export interface ServiceRequest {
  id: string;
  accountId: string;
  tokenId: string;
  title: string;
  description: string;
  workflowId?: string;
  source?: string;
  payload: StoredPayload;
  createdAt: Date;
}

/** A request as listed: without its payload. */
export type ServiceRequestListing = Omit<ServiceRequest, "payload">;

export type ApiLogDecisionKind = "trigger" | "resolve" | "suppressed" | "skipped";

/** An API call log entry with its ids of type `Id` (strings here, ObjectIds when stored). */
export interface ApiLogFields<Id> {
  accountId: Id;
  tokenId: Id;
  endpoint: string;
  at: Date;
  from?: string;
  contentType: string | null;
  bodySize: number;
  decisions: Array<{ serviceId: Id; kind: ApiLogDecisionKind; reason?: string; incidentId?: Id }>;
  status: number;
}

export type ApiLogDecision = ApiLogFields<string>["decisions"][number];

/** One ingest call in the API call log (tokens with `debug` on, and suppressed calls). */
export interface ApiLogEntry extends ApiLogFields<string> {
  /** The call's id: the `id` of the ingest answer. */
  id: string;
}

/** A console session: an admin token exchanged for a cookie (its id is the cookie's hash). */
export interface ConsoleSession {
  id: string;
  accountId: string;
  /** The admin token it was opened with: its rights, and the actor of what it changes. */
  tokenId: string;
  createdAt: Date;
  lastSeenAt: Date;
}

/** A secret a webhook signs with; one rotated out keeps signing until `expiresAt`. */
export interface WebhookSecret {
  secret: string;
  createdAt: Date;
  expiresAt?: Date;
}

/** An outgoing webhook (docs/product.md §11): where events go, which ones, signed how. */
export interface Webhook {
  id: string;
  accountId: string;
  scope: WebhookScope["kind"];
  teamId?: string;
  serviceId?: string;
  url: string;
  events: SubscribableEventType[];
  workflowId?: string;
  format: WebhookFormat;
  enabled: boolean;
  /** Why the service disabled it (it failed for days); cleared when it is enabled again. */
  disabledReason?: string;
  disabledAt?: Date;
  /** Newest first; never shown after creation or rotation. */
  secrets: WebhookSecret[];
  createdAt: Date;
  updatedAt: Date;
}

export type AttemptTrigger = "dispatch" | "redeliver" | "test";

/**
 * One event for one webhook, as the delivery log keeps it: the exact body that is signed and
 * sent. Written once; its state is in the queue (pending) and the attempts.
 */
export interface WebhookDelivery {
  id: string;
  accountId: string;
  webhookId: string;
  eventId: string;
  eventType: WebhookEventType;
  /** Where it goes, as logs may show it (user-info and query redacted). */
  url: string;
  body: string;
  /** Sent once, never retried (the test event). */
  oneShot: boolean;
  createdAt: Date;
}

/**
 * A delivery that is still to be sent: due at `dueAt`, in its round `round` (each attempt is
 * a round; the round's claim and attempt are keyed by it, so each is made once).
 */
export interface QueuedDelivery {
  deliveryId: string;
  accountId: string;
  webhookId: string;
  eventId: string;
  /** The exact bytes to sign and send (as in the log). */
  body: string;
  oneShot: boolean;
  round: number;
  dueAt: Date;
  /** Attempts made so far in this retry period. */
  attempts: number;
  firstAttemptAt?: Date;
  trigger: AttemptTrigger;
}

/**
 * A queue entry as a scan reads it: the body and the event's id are in the delivery log, not
 * in the queue.
 */
export type QueueEntry = Omit<QueuedDelivery, "body" | "eventId">;

export type AttemptFailure = FailureReason | "interrupted";

/** One attempt to deliver (the round of a queued delivery), written once. */
export interface WebhookAttempt {
  deliveryId: string;
  round: number;
  accountId: string;
  webhookId: string;
  at: Date;
  succeeded: boolean;
  reason?: AttemptFailure;
  detail?: string;
  httpStatus?: number;
  latencyMs: number;
  response?: string;
  retryAfterSeconds?: number;
  trigger: AttemptTrigger;
}

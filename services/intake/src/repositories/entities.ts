import type {
  ApiFilter,
  IncidentEventType,
  IncidentStatus,
  MaintenanceWindow,
  ServiceState,
  Urgency,
} from "@sqibs/domain";

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

export interface Service {
  id: string;
  accountId: string;
  name: string;
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

export type TokenScope = "global" | "service" | "admin";

export interface Token {
  id: string;
  accountId: string;
  name: string;
  scope: TokenScope;
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

import type { ApiFilter, MaintenanceWindow, ServiceState, Urgency } from "@sqibs/domain";
import type { Binary, ObjectId } from "mongodb";

/** Documents as stored. User JSON is never stored as BSON: raw payloads are bytes. */
export interface AccountDoc {
  _id: ObjectId;
  name: string;
  language: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface ServiceDoc {
  _id: ObjectId;
  accountId: ObjectId;
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

export interface TokenDoc {
  _id: ObjectId;
  accountId: ObjectId;
  name: string;
  scope: TokenScope;
  serviceId?: ObjectId;
  /** The first characters of the secret, for people to recognize it. */
  prefix: string;
  debug: boolean;
  createdAt: Date;
  lastUsedAt?: Date;
  revokedAt?: Date;
}

/** One accepted secret of a token, keyed by its SHA-256; a rotated-out secret has expiresAt. */
export interface TokenSecretDoc {
  _id: string;
  tokenId: ObjectId;
  createdAt: Date;
  expiresAt?: Date;
}

export interface StoredPayload {
  contentType: string | null;
  body: Binary;
}

export type IncidentStatus = "triggered" | "acknowledged" | "resolved";
export type IncidentEventType =
  | "triggered"
  | "duplicate"
  | "acknowledged"
  | "unacknowledged"
  | "resolved";

export interface IncidentEvent {
  at: Date;
  type: IncidentEventType;
  actor: string;
  callId?: ObjectId;
  comment?: string;
}

/**
 * An incident as stored. FerretDB applies concurrent updates to one document as unguarded
 * read-modify-writes (one can undo another), so the document changes only in lifecycle
 * transitions, which a version claim serializes; events are inserted, never pushed.
 */
export interface StoredIncidentDoc {
  _id: ObjectId;
  accountId: ObjectId;
  serviceId: ObjectId;
  number: number;
  title: string;
  description: string;
  urgency: Urgency;
  status: IncidentStatus;
  /** Count of lifecycle transitions; transition n+1 is claimed by inserting event "<id>:v<n+1>". */
  version: number;
  correlationKey?: string;
  source?: string;
  payload: StoredPayload;
  createdAt: Date;
  updatedAt: Date;
  acknowledgedAt?: Date;
  resolvedAt?: Date;
  autoResolveAfterSeconds?: number;
  /** The delivery that opened it: a retried delivery finds this incident instead of opening another. */
  deliveryId: string;
  /** Who opened it: its first event ("triggered" at createdAt), stored with it in one write. */
  openedBy: { actor: string; callId?: ObjectId };
}

/** One event on an incident, inserted once (its _id makes a retried write a no-op). */
export interface IncidentEventDoc extends IncidentEvent {
  _id: string;
  incidentId: ObjectId;
  /** On a lifecycle event: the status it moves the incident to (to roll a crash forward). */
  status?: IncidentStatus;
}

/** An incident with its events, as read back. */
export interface IncidentDoc extends StoredIncidentDoc {
  events: IncidentEvent[];
  eventCount: number;
  lastEventAt: Date;
}

export interface RequestDoc {
  _id: ObjectId;
  accountId: ObjectId;
  tokenId: ObjectId;
  title: string;
  description: string;
  workflowId?: string;
  source?: string;
  payload: StoredPayload;
  createdAt: Date;
  deliveryId: string;
}

export type ApiLogDecisionKind = "trigger" | "resolve" | "suppressed" | "skipped";

export interface ApiLogDecision {
  serviceId: ObjectId;
  kind: ApiLogDecisionKind;
  reason?: string;
  incidentId?: ObjectId;
}

/** One ingest call in the API call log (tokens with `debug` on, and suppressed calls). */
export interface ApiLogDoc {
  /** The call's id: the `id` of the ingest answer. */
  _id: ObjectId;
  accountId: ObjectId;
  tokenId: ObjectId;
  endpoint: string;
  at: Date;
  from?: string;
  contentType: string | null;
  bodySize: number;
  decisions: ApiLogDecision[];
  status: number;
}

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

export interface IncidentDoc {
  _id: ObjectId;
  accountId: ObjectId;
  serviceId: ObjectId;
  number: number;
  title: string;
  description: string;
  urgency: Urgency;
  status: IncidentStatus;
  correlationKey?: string;
  source?: string;
  payload: StoredPayload;
  eventCount: number;
  events: IncidentEvent[];
  createdAt: Date;
  updatedAt: Date;
  lastEventAt: Date;
  acknowledgedAt?: Date;
  resolvedAt?: Date;
  autoResolveAfterSeconds?: number;
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
}

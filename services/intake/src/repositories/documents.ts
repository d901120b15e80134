import type { IncidentEventType, IncidentStatus, Urgency } from "@sqibs/domain";
import type { Binary, ObjectId } from "mongodb";
import type { ApiLogDecisionKind, Service, TokenScope } from "./entities.js";

// Documents as stored (inside repositories/ only; entities.ts is what leaves). User JSON is
// never stored as BSON: raw payloads are bytes.

export interface AccountDoc {
  _id: ObjectId;
  name: string;
  language: string;
  rateLimitPerMinute?: number;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * Maintenance tags are groups of tags (string[][]); FerretDB cannot store nested arrays, so
 * each group is stored as { all: [...] }.
 */
export interface StoredMaintenance {
  start?: Date;
  end?: Date;
  tags?: Array<{ all: string[] }>;
}

export interface ServiceDoc extends Omit<Service, "id" | "accountId" | "maintenance"> {
  _id: ObjectId;
  accountId: ObjectId;
  maintenance?: StoredMaintenance;
}

export interface TokenDoc {
  _id: ObjectId;
  accountId: ObjectId;
  name: string;
  scope: TokenScope;
  serviceId?: ObjectId;
  prefix: string;
  debug: boolean;
  rateLimitPerMinute?: number;
  createdAt: Date;
  lastUsedAt?: Date;
  revokedAt?: Date;
}

/**
 * One accepted secret of a token, keyed by its SHA-256; a rotated-out secret has expiresAt.
 * `accountId` (the tokens' shard key) is on every secret written since ADR 0002.
 */
export interface TokenSecretDoc {
  _id: string;
  tokenId: ObjectId;
  accountId?: ObjectId;
  createdAt: Date;
  expiresAt?: Date;
}

export interface PayloadDoc {
  contentType: string | null;
  body: Binary;
}

export interface IncidentEventFields {
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
export interface IncidentDoc {
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
  payload: PayloadDoc;
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
export interface IncidentEventDoc extends IncidentEventFields {
  _id: string;
  incidentId: ObjectId;
  /** On a lifecycle event: the status it moves the incident to (to roll a crash forward). */
  status?: IncidentStatus;
}

export interface RequestDoc {
  _id: ObjectId;
  accountId: ObjectId;
  tokenId: ObjectId;
  title: string;
  description: string;
  workflowId?: string;
  source?: string;
  payload: PayloadDoc;
  createdAt: Date;
  deliveryId: string;
}

export interface ApiLogDoc {
  _id: ObjectId;
  accountId: ObjectId;
  tokenId: ObjectId;
  endpoint: string;
  at: Date;
  from?: string;
  contentType: string | null;
  bodySize: number;
  decisions: Array<{
    serviceId: ObjectId;
    kind: ApiLogDecisionKind;
    reason?: string;
    incidentId?: ObjectId;
  }>;
  status: number;
}

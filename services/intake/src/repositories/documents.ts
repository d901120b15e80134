import type { Binary, ObjectId } from "mongodb";
import type {
  Account,
  ApiLogFields,
  IncidentEvent,
  Service,
  ServiceRequest,
  StoredIncident,
  Token,
} from "./entities.js";

// Documents as stored (inside repositories/ only; entities.ts is what leaves): the entity's
// fields, with ObjectIds for ids and Binary for bytes. User JSON is never stored as BSON: raw
// payloads are bytes.

export interface AccountDoc extends Omit<Account, "id"> {
  _id: ObjectId;
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

/** `teamId` is absent on services stored before teams existed (see migrations.ts). */
export interface ServiceDoc extends Omit<Service, "id" | "accountId" | "teamId" | "maintenance"> {
  _id: ObjectId;
  accountId: ObjectId;
  teamId?: ObjectId;
  maintenance?: StoredMaintenance;
}

export interface TokenDoc extends Omit<Token, "id" | "accountId" | "teamId" | "serviceId"> {
  _id: ObjectId;
  accountId: ObjectId;
  teamId?: ObjectId;
  serviceId?: ObjectId;
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
  /**
   * `br`: `body` is the payload compressed with Brotli (payload-bytes.ts); absent: the
   * payload as received (also every document stored before compression existed).
   */
  encoding?: "br";
}

/**
 * An incident's payload above PAYLOAD_APART_BYTES, stored in `incident_payloads` under the
 * incident's `deliveryId`: a collection with no index but `_id`, so that the database does
 * not evaluate the incidents' indexes over a megabyte document.
 */
export interface PayloadApartDoc extends PayloadDoc {
  _id: string;
  accountId: ObjectId;
}

export interface IncidentEventFields extends Omit<IncidentEvent, "callId"> {
  callId?: ObjectId;
}

/**
 * An incident as stored. FerretDB applies concurrent updates to one document as unguarded
 * read-modify-writes (one can undo another), so the document changes only in lifecycle
 * transitions, which a version claim serializes; events are inserted, never pushed.
 */
export interface IncidentDoc
  extends Omit<StoredIncident, "id" | "accountId" | "serviceId" | "payload" | "description"> {
  _id: ObjectId;
  accountId: ObjectId;
  serviceId: ObjectId;
  /** Absent when it is the whole payload's text: the payload is stored once, and read as it. */
  description?: string;
  /** The payload, or (`apart`) where to find it: `incident_payloads` under `deliveryId`. */
  payload: PayloadDoc | { contentType: string | null; apart: true };
  /** Count of lifecycle transitions; transition n+1 is claimed by inserting event "<id>:v<n+1>". */
  version: number;
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
  status?: StoredIncident["status"];
}

export interface RequestDoc
  extends Omit<ServiceRequest, "id" | "accountId" | "tokenId" | "payload" | "description"> {
  _id: ObjectId;
  /** Absent: the description is the whole payload's text, stored once, as the payload. */
  description?: string;
  accountId: ObjectId;
  tokenId: ObjectId;
  payload: PayloadDoc;
  deliveryId: string;
}

export interface ApiLogDoc extends ApiLogFields<ObjectId> {
  _id: ObjectId;
}

import { createHash } from "node:crypto";
import { Binary, ObjectId } from "mongodb";

const ENTITY_ID = /^[0-9a-f]{24}$/i;

/**
 * Whether the text can name a stored entity (24 hex digits). Use cases check ids from paths
 * (a malformed one is a 404) and from queries (a 400) with it, before any repository call.
 */
export function isEntityId(text: string | undefined): text is string {
  return text !== undefined && ENTITY_ID.test(text);
}

/** A new id for an entity the caller names before it is stored (an ingest call). */
export function newEntityId(): string {
  return new ObjectId().toHexString();
}

/**
 * The id of an account's default team, derived from the account's: every instance (and the
 * start-up migration) names the same team, so inserting it twice stores it once (ADR 0001).
 */
export function defaultTeamIdOf(accountId: string): string {
  return createHash("sha256").update(`default-team:${accountId}`).digest("hex").slice(0, 24);
}

// ---- Inside repositories/ only: the stored forms of ids and bytes.

export function toObjectId(id: string): ObjectId {
  return ObjectId.createFromHexString(id);
}

/** The ObjectId a caller's id names, or undefined when it names none (found: nothing). */
export function objectIdOrUndefined(id: string): ObjectId | undefined {
  return isEntityId(id) ? toObjectId(id) : undefined;
}

/**
 * The filter of one entity in its account (the shard key, ADR 0002); undefined when the id
 * names nothing, so the caller finds nothing (a 404) without asking the database.
 */
export function inAccount(
  accountId: string,
  id: string,
): { _id: ObjectId; accountId: ObjectId } | undefined {
  const _id = objectIdOrUndefined(id);
  return _id ? { _id, accountId: toObjectId(accountId) } : undefined;
}

/**
 * The team or service a token or webhook is scoped to, as stored: whichever of the two it
 * names (neither for an account-wide one).
 */
export function storedScope(ids: Scope<string>): Scope<ObjectId> {
  return scopeConverted(ids, toObjectId);
}

/** The team or service a stored token or webhook is scoped to, as ids (storedScope's reverse). */
export function scopeIdsOf(doc: Scope<ObjectId>): Scope<string> {
  return scopeConverted(doc, hex);
}

type Scope<Id> = { teamId?: Id; serviceId?: Id };

function scopeConverted<From, To>(scope: Scope<From>, convert: (id: From) => To): Scope<To> {
  return {
    ...(scope.teamId ? { teamId: convert(scope.teamId) } : {}),
    ...(scope.serviceId ? { serviceId: convert(scope.serviceId) } : {}),
  };
}

export function hex(id: ObjectId): string {
  return id.toHexString();
}

export function toBinary(bytes: Uint8Array): Binary {
  return new Binary(bytes);
}

export function bytesOf(binary: Binary): Uint8Array {
  return Buffer.from(binary.buffer);
}

/** The fields of T, each also `null` (which an update turns into removing it). */
export type Nullable<T> = { [K in keyof T]: T[K] | null };

/** An update that sets the fields given and removes those given as `null`. */
export function setOrUnset(changes: Record<string, unknown>, always: Record<string, unknown> = {}) {
  const set: Record<string, unknown> = { ...always };
  const unset: Record<string, ""> = {};
  for (const [field, value] of Object.entries(changes)) {
    if (value === null) unset[field] = "";
    else if (value !== undefined) set[field] = value;
  }
  return {
    ...(Object.keys(set).length ? { $set: set } : {}),
    ...(Object.keys(unset).length ? { $unset: unset } : {}),
  };
}

/** `{ key: value }` when the value is defined, else `{}` (optional fields of mapped documents). */
export function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

import { type Db, type Filter, ObjectId } from "mongodb";
import { accountScopedReads } from "./account-scoped.js";
import type { Webhook } from "./entities.js";
import { hex, inAccount, optional, scopeIdsOf, storedScope, toObjectId } from "./ids.js";
import { oneAtATimePerKey } from "./one-at-a-time.js";

/**
 * An outgoing webhook as stored, its signing secrets inside (they must sign, so they are kept
 * as they are; never logged, never shown after creation or rotation). Changed by people
 * (PATCH, rotation) and by the dispatcher (disabling after days of failures): within an
 * instance one at a time (ADR 0001); how it went is read from the attempts, never written here.
 */
interface WebhookDoc extends Omit<Webhook, "id" | "accountId" | "teamId" | "serviceId"> {
  _id: ObjectId;
  accountId: ObjectId;
  teamId?: ObjectId;
  serviceId?: ObjectId;
}

export type NewWebhook = Omit<Webhook, "id" | "createdAt" | "updatedAt" | "disabledAt">;

/** What a PATCH may change. */
export type WebhookChanges = Partial<
  Pick<Webhook, "url" | "events" | "workflowId" | "format" | "enabled">
>;

export function webhooksRepository(db: Db) {
  const webhooks = db.collection<WebhookDoc>("webhooks");
  const updateInTurn = oneAtATimePerKey();

  /** One webhook's update, in turn with its others (ADR 0001); the document before or after it. */
  function changeOne(
    filter: Filter<WebhookDoc>,
    update: Record<string, unknown>,
    returnDocument: "before" | "after",
  ): Promise<WebhookDoc | null> {
    return updateInTurn(hex(filter._id as ObjectId), () =>
      webhooks.findOneAndUpdate(filter, update, { returnDocument }),
    );
  }

  async function updateOne(
    filter: Filter<WebhookDoc> | undefined,
    update: Record<string, unknown>,
  ): Promise<Webhook | null> {
    if (!filter) return null;
    const doc = await changeOne(filter, update, "after");
    return doc ? toWebhook(doc) : null;
  }

  return {
    ...accountScopedReads(webhooks, toWebhook),
    async create(input: NewWebhook, now: Date): Promise<Webhook> {
      const { accountId, teamId, serviceId, ...fields } = input;
      const doc: WebhookDoc = {
        _id: new ObjectId(),
        accountId: toObjectId(accountId),
        ...storedScope({ teamId, serviceId }),
        ...fields,
        createdAt: now,
        updatedAt: now,
      };
      await webhooks.insertOne(doc);
      return toWebhook(doc);
    },

    countInAccount: (accountId: string): Promise<number> =>
      webhooks.countDocuments({ accountId: toObjectId(accountId) }),

    /**
     * Sets the fields given (enabling clears the reason it was disabled); unsets `unset`. The
     * webhook as changed, and the URL a new one replaced (to be forgotten); null when none.
     */
    async update(
      accountId: string,
      id: string,
      set: WebhookChanges,
      unset: Array<"workflowId">,
      now: Date,
    ): Promise<UpdatedWebhook | null> {
      const filter = inAccount(accountId, id);
      if (!filter) return null;
      const cleared = set.enabled ? (["disabledReason", "disabledAt"] as const) : [];
      const unsetFields = [...unset, ...cleared];
      const changes = { ...set, updatedAt: now };
      // The document before the change, to which the change is applied here: the replaced URL
      // and the changed webhook come with one command.
      const before = await changeOne(
        filter,
        {
          $set: changes,
          ...(unsetFields.length
            ? { $unset: Object.fromEntries(unsetFields.map((field) => [field, ""])) }
            : {}),
        },
        "before",
      );
      if (!before) return null;
      const after: WebhookDoc = { ...before, ...changes };
      for (const field of unsetFields) delete after[field];
      const replacedUrl = set.url !== undefined && set.url !== before.url ? before.url : undefined;
      return { webhook: toWebhook(after), ...optional("replacedUrl", replacedUrl) };
    },

    /**
     * A new secret first; the ones before it keep signing until `graceEndsAt` (or their own,
     * earlier end), and those already ended are dropped: the webhook, and the secrets dropped.
     */
    async rotateSecret(
      accountId: string,
      id: string,
      secret: string,
      graceEndsAt: Date,
      now: Date,
    ): Promise<{ webhook: Webhook; dropped: string[] } | null> {
      const filter = inAccount(accountId, id);
      if (!filter) return null;
      return updateInTurn(hex(filter._id), async () => {
        const current = await webhooks.findOne(filter);
        if (!current) return null;
        const kept = current.secrets
          .filter((entry) => !entry.expiresAt || entry.expiresAt > now)
          .map((entry) => ({
            ...entry,
            expiresAt:
              entry.expiresAt && entry.expiresAt < graceEndsAt ? entry.expiresAt : graceEndsAt,
          }))
          .filter((entry) => entry.expiresAt > now);
        const doc = await webhooks.findOneAndUpdate(
          filter,
          { $set: { secrets: [{ secret, createdAt: now }, ...kept], updatedAt: now } },
          { returnDocument: "after" },
        );
        if (!doc) return null;
        const signing = new Set(kept.map((entry) => entry.secret));
        const dropped = current.secrets
          .map((entry) => entry.secret)
          .filter((old) => !signing.has(old));
        return { webhook: toWebhook(doc), dropped };
      });
    },

    /** Turns an enabled webhook off with the reason; null when it is not (or no longer) on. */
    disable(accountId: string, id: string, reason: string, now: Date): Promise<Webhook | null> {
      const filter = inAccount(accountId, id);
      return updateOne(filter ? { ...filter, enabled: true } : undefined, {
        $set: { enabled: false, disabledReason: reason, disabledAt: now, updatedAt: now },
      });
    },

    /** The webhook deleted (its URL and secrets to be forgotten), or null when there was none. */
    async delete(accountId: string, id: string): Promise<DeletedWebhook | null> {
      const filter = inAccount(accountId, id);
      if (!filter) return null;
      const doc = await webhooks.findOneAndDelete(filter);
      return doc ? deletedOf(doc) : null;
    },

    /** Deletes the webhooks scoped to a team or service that is being deleted. */
    async deleteScopedTo(
      accountId: string,
      scope: { teamId: string } | { serviceId: string },
    ): Promise<DeletedWebhook[]> {
      const filter = { accountId: toObjectId(accountId), ...storedScope(scope) };
      const docs = await webhooks
        .find(filter, { projection: { _id: 1, url: 1, secrets: 1 } })
        .toArray();
      if (docs.length === 0) return [];
      await webhooks.deleteMany({
        accountId: filter.accountId,
        _id: { $in: docs.map((d) => d._id) },
      });
      return docs.map(deletedOf);
    },
  };
}

/** A changed webhook, and the URL it had when the change gave it another. */
export interface UpdatedWebhook {
  webhook: Webhook;
  replacedUrl?: string;
}

/** A deleted webhook: its id, its URL and the secrets it signed with. */
export interface DeletedWebhook {
  id: string;
  url: string;
  secrets: string[];
}

function deletedOf(doc: Pick<WebhookDoc, "_id" | "url" | "secrets">): DeletedWebhook {
  return { id: hex(doc._id), url: doc.url, secrets: doc.secrets.map((entry) => entry.secret) };
}

function toWebhook(doc: WebhookDoc): Webhook {
  return {
    id: hex(doc._id),
    accountId: hex(doc.accountId),
    scope: doc.scope,
    ...scopeIdsOf(doc),
    url: doc.url,
    events: doc.events,
    ...optional("workflowId", doc.workflowId),
    format: doc.format,
    enabled: doc.enabled,
    ...optional("disabledReason", doc.disabledReason),
    ...optional("disabledAt", doc.disabledAt),
    secrets: doc.secrets,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}

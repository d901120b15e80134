import { type Db, ObjectId } from "mongodb";
import { accountScopedReads } from "./account-scoped.js";
import type { TokenDoc, TokenSecretDoc } from "./documents.js";
import type { Token, TokenScope } from "./entities.js";
import {
  hex,
  inAccount,
  type Nullable,
  optional,
  scopeIdsOf,
  setOrUnset,
  storedScope,
  toObjectId,
} from "./ids.js";

/** A token as a secret opens it: a rotated-out secret carries the end of its grace period. */
export type OpenedToken = Token & { secretExpiresAt?: Date };

export interface NewToken {
  accountId: string;
  name: string;
  scope: TokenScope;
  teamId?: string;
  serviceId?: string;
  debug: boolean;
  prefix: string;
  secretHash: string;
}

/** The settings a token update changes; `null` removes one (the default applies again). */
export type TokenChanges = Nullable<Partial<Pick<Token, "name" | "debug" | "rateLimitPerMinute">>>;

export function tokensRepository(db: Db) {
  const tokens = db.collection<TokenDoc>("tokens");
  const secrets = db.collection<TokenSecretDoc>("token_secrets");

  return {
    ...accountScopedReads(tokens, toToken),
    /** The secret row first: a token is usable only once both writes are acknowledged. */
    async create(input: NewToken, now: Date): Promise<Token> {
      const { secretHash, accountId, teamId, serviceId, ...fields } = input;
      const doc: TokenDoc = {
        _id: new ObjectId(),
        accountId: toObjectId(accountId),
        ...storedScope({ teamId, serviceId }),
        ...fields,
        createdAt: now,
      };
      await secrets.insertOne({
        _id: secretHash,
        tokenId: doc._id,
        accountId: doc.accountId,
        createdAt: now,
      });
      await tokens.insertOne(doc);
      return toToken(doc);
    },

    /** The live token a secret hash opens (with the secret's end, if rotated out), or null. */
    async findBySecretHash(secretHash: string, now: Date): Promise<OpenedToken | null> {
      const secret = await secrets.findOne({ _id: secretHash });
      if (!secret || (secret.expiresAt && secret.expiresAt <= now)) return null;
      // Secrets written before ADR 0002 lack the account: those tokens are found by _id alone.
      const doc = await tokens.findOne({
        _id: secret.tokenId,
        ...(secret.accountId ? { accountId: secret.accountId } : {}),
      });
      if (!doc || doc.revokedAt) return null;
      const token = toToken(doc);
      return secret.expiresAt ? { ...token, secretExpiresAt: secret.expiresAt } : token;
    },

    countLiveInAccount: (accountId: string): Promise<number> =>
      tokens.countDocuments({ accountId: toObjectId(accountId), revokedAt: { $exists: false } }),

    async touch(accountId: string, id: string, now: Date): Promise<void> {
      const filter = inAccount(accountId, id);
      if (filter) await tokens.updateOne(filter, { $set: { lastUsedAt: now } });
    },

    /** Changes a live token (`null` removes a setting); null when it is revoked or unknown. */
    async update(accountId: string, id: string, changes: TokenChanges): Promise<Token | null> {
      const filter = inAccount(accountId, id);
      if (!filter) return null;
      const live = { ...filter, revokedAt: { $exists: false } };
      const update = setOrUnset(changes);
      const doc = Object.keys(update).length
        ? await tokens.findOneAndUpdate(live, update, { returnDocument: "after" })
        : await tokens.findOne(live);
      return doc ? toToken(doc) : null;
    },

    async revoke(accountId: string, id: string, now: Date): Promise<Token | null> {
      const filter = inAccount(accountId, id);
      if (!filter) return null;
      const doc = await tokens.findOneAndUpdate(
        { ...filter, revokedAt: { $exists: false } },
        { $set: { revokedAt: now } },
        { returnDocument: "after" },
      );
      if (doc) await secrets.deleteMany({ tokenId: doc._id });
      return doc ? toToken(doc) : null;
    },

    /** Revokes every live token scoped to a service or team that is being deleted. */
    async revokeScopedTo(
      accountId: string,
      scope: { serviceId: string } | { teamId: string },
      now: Date,
    ): Promise<number> {
      const account = toObjectId(accountId);
      const live = await tokens
        .find(
          { accountId: account, ...storedScope(scope), revokedAt: { $exists: false } },
          { projection: { _id: 1 } },
        )
        .toArray();
      const ids = live.map((token) => token._id);
      if (ids.length === 0) return 0;
      await tokens.updateMany(
        { accountId: account, _id: { $in: ids } },
        { $set: { revokedAt: now } },
      );
      await secrets.deleteMany({ tokenId: { $in: ids } });
      return ids.length;
    },

    /** Adds a new secret; the ones before it stay valid until graceEndsAt. */
    async rotate(
      accountId: string,
      id: string,
      next: { secretHash: string; prefix: string },
      graceEndsAt: Date,
      now: Date,
    ): Promise<Token | null> {
      const filter = inAccount(accountId, id);
      const token = filter
        ? await tokens.findOne({ ...filter, revokedAt: { $exists: false } })
        : null;
      if (!filter || !token) return null;
      await secrets.updateMany(
        {
          tokenId: token._id,
          $or: [{ expiresAt: { $exists: false } }, { expiresAt: { $gt: graceEndsAt } }],
        },
        { $set: { expiresAt: graceEndsAt } },
      );
      await secrets.insertOne({
        _id: next.secretHash,
        tokenId: token._id,
        accountId: token.accountId,
        createdAt: now,
      });
      const rotated = await tokens.findOneAndUpdate(
        filter,
        { $set: { prefix: next.prefix } },
        { returnDocument: "after" },
      );
      return rotated ? toToken(rotated) : null;
    },
  };
}

function toToken(doc: TokenDoc): Token {
  return {
    id: hex(doc._id),
    accountId: hex(doc.accountId),
    name: doc.name,
    scope: doc.scope,
    ...scopeIdsOf(doc),
    prefix: doc.prefix,
    debug: doc.debug,
    ...optional("rateLimitPerMinute", doc.rateLimitPerMinute),
    createdAt: doc.createdAt,
    ...optional("lastUsedAt", doc.lastUsedAt),
    ...optional("revokedAt", doc.revokedAt),
  };
}

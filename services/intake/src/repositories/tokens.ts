import { type Db, ObjectId } from "mongodb";
import type { TokenDoc, TokenScope, TokenSecretDoc } from "./documents.js";

/** A token as a secret opens it: a rotated-out secret carries the end of its grace period. */
export type OpenedToken = TokenDoc & { secretExpiresAt?: Date };

export interface NewToken {
  accountId: ObjectId;
  name: string;
  scope: TokenScope;
  serviceId?: ObjectId;
  debug: boolean;
  prefix: string;
  secretHash: string;
}

export function tokensRepository(db: Db) {
  const tokens = db.collection<TokenDoc>("tokens");
  const secrets = db.collection<TokenSecretDoc>("token_secrets");
  return {
    /** The secret row first: a token is usable only once both writes are acknowledged. */
    async create(input: NewToken, now: Date): Promise<TokenDoc> {
      const { secretHash, ...fields } = input;
      const doc: TokenDoc = { _id: new ObjectId(), ...fields, createdAt: now };
      await secrets.insertOne({ _id: secretHash, tokenId: doc._id, createdAt: now });
      await tokens.insertOne(doc);
      return doc;
    },

    /** The live token a secret hash opens (with the secret's end, if rotated out), or null. */
    async findBySecretHash(secretHash: string, now: Date): Promise<OpenedToken | null> {
      const secret = await secrets.findOne({ _id: secretHash });
      if (!secret || (secret.expiresAt && secret.expiresAt <= now)) return null;
      const token = await tokens.findOne({ _id: secret.tokenId });
      if (!token || token.revokedAt) return null;
      return secret.expiresAt ? { ...token, secretExpiresAt: secret.expiresAt } : token;
    },

    findInAccount: (accountId: ObjectId, id: ObjectId) => tokens.findOne({ _id: id, accountId }),
    listByAccount: (accountId: ObjectId) => tokens.find({ accountId }).sort({ _id: 1 }).toArray(),

    async touch(id: ObjectId, now: Date): Promise<void> {
      await tokens.updateOne({ _id: id }, { $set: { lastUsedAt: now } });
    },

    /** Renames a live token or switches its debug flag; null when it is revoked or unknown. */
    update: (
      accountId: ObjectId,
      id: ObjectId,
      changes: Partial<Pick<TokenDoc, "name" | "debug">>,
    ) =>
      tokens.findOneAndUpdate(
        { _id: id, accountId, revokedAt: { $exists: false } },
        { $set: changes },
        { returnDocument: "after" },
      ),

    async revoke(accountId: ObjectId, id: ObjectId, now: Date): Promise<TokenDoc | null> {
      const token = await tokens.findOneAndUpdate(
        { _id: id, accountId, revokedAt: { $exists: false } },
        { $set: { revokedAt: now } },
        { returnDocument: "after" },
      );
      if (token) await secrets.deleteMany({ tokenId: id });
      return token;
    },

    /** Revokes every live service token of a service (the service is being deleted). */
    async revokeForService(accountId: ObjectId, serviceId: ObjectId, now: Date): Promise<number> {
      const live = await tokens
        .find({ accountId, serviceId, revokedAt: { $exists: false } }, { projection: { _id: 1 } })
        .toArray();
      const ids = live.map((token) => token._id);
      if (ids.length === 0) return 0;
      await tokens.updateMany({ _id: { $in: ids } }, { $set: { revokedAt: now } });
      await secrets.deleteMany({ tokenId: { $in: ids } });
      return ids.length;
    },

    /** Adds a new secret; the ones before it stay valid until graceEndsAt. */
    async rotate(
      accountId: ObjectId,
      id: ObjectId,
      next: { secretHash: string; prefix: string },
      graceEndsAt: Date,
      now: Date,
    ): Promise<TokenDoc | null> {
      const token = await tokens.findOne({ _id: id, accountId, revokedAt: { $exists: false } });
      if (!token) return null;
      await secrets.updateMany(
        {
          tokenId: id,
          $or: [{ expiresAt: { $exists: false } }, { expiresAt: { $gt: graceEndsAt } }],
        },
        { $set: { expiresAt: graceEndsAt } },
      );
      await secrets.insertOne({ _id: next.secretHash, tokenId: id, createdAt: now });
      return tokens.findOneAndUpdate(
        { _id: id },
        { $set: { prefix: next.prefix } },
        { returnDocument: "after" },
      );
    },
  };
}

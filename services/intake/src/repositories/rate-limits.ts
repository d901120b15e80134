import type { Db, ObjectId } from "mongodb";
import { isDuplicateKey } from "./database.js";

/**
 * Fixed-window request counters, shared by every instance on the database: one document per
 * scope, id and window, `_id: "<scope>:<id>:<windowStart ms>"`, counted with an atomic `$inc`
 * upsert. FerretDB has no TTL indexes: `deleteExpired` removes past windows.
 */
interface WindowDoc {
  _id: string;
  count: number;
  expiresAt: Date;
}

export type RateLimitScope = "token" | "account";

export function rateLimitsRepository(db: Db) {
  const windows = db.collection<WindowDoc>("rate_limit_windows");
  const accounts = db.collection<{ _id: ObjectId; rateLimitPerMinute?: number }>("accounts");

  return {
    /** Counts one request in the window and returns the count so far (this one included). */
    async hit(
      scope: RateLimitScope,
      id: ObjectId,
      windowStart: number,
      windowMs: number,
    ): Promise<number> {
      const key = `${scope}:${id.toHexString()}:${windowStart}`;
      for (let attempt = 0; ; attempt++) {
        try {
          const counted = await windows.findOneAndUpdate(
            { _id: key },
            {
              $inc: { count: 1 },
              $setOnInsert: { expiresAt: new Date(windowStart + windowMs) },
            },
            { upsert: true, returnDocument: "after" },
          );
          return counted?.count ?? 1;
        } catch (error) {
          // Two first hits of a window raced on the upsert: the loser counts on the winner's.
          if (!isDuplicateKey(error) || attempt >= 2) throw error;
        }
      }
    },

    /** The account's own limit (`rateLimitPerMinute`, set through the management API), if any. */
    async accountLimit(accountId: ObjectId): Promise<number | undefined> {
      const account = await accounts.findOne(
        { _id: accountId },
        { projection: { rateLimitPerMinute: 1 } },
      );
      return account?.rateLimitPerMinute;
    },

    async deleteExpired(now: Date): Promise<number> {
      const result = await windows.deleteMany({ expiresAt: { $lte: now } });
      return result.deletedCount;
    },
  };
}

import type { Db, ObjectId } from "mongodb";
import type { ConsoleSession } from "./entities.js";
import { hex, toObjectId } from "./ids.js";

/**
 * A console session as stored. Its `_id` is the SHA-256 of the cookie's secret (the secret
 * itself is never stored). `lastSeenAt` moves at most once a minute; a refresh lost to a
 * concurrent write (FerretDB, ADR 0001) only makes the session end up to a minute early.
 */
interface SessionDoc {
  _id: string;
  accountId: ObjectId;
  tokenId: ObjectId;
  createdAt: Date;
  lastSeenAt: Date;
}

export function sessionsRepository(db: Db) {
  const sessions = db.collection<SessionDoc>("sessions");
  return {
    async create(session: ConsoleSession): Promise<void> {
      const { id, accountId, tokenId, ...times } = session;
      await sessions.insertOne({
        _id: id,
        accountId: toObjectId(accountId),
        tokenId: toObjectId(tokenId),
        ...times,
      });
    },
    async findById(id: string): Promise<ConsoleSession | null> {
      const doc = await sessions.findOne({ _id: id });
      if (!doc) return null;
      const { _id, accountId, tokenId, createdAt, lastSeenAt } = doc;
      return { id: _id, accountId: hex(accountId), tokenId: hex(tokenId), createdAt, lastSeenAt };
    },
    /** Moves lastSeenAt to now, unless another call did since `seenBefore` (never upserts). */
    async touch(id: string, now: Date, seenBefore: Date): Promise<void> {
      await sessions.updateOne(
        { _id: id, lastSeenAt: { $lt: seenBefore } },
        { $set: { lastSeenAt: now } },
      );
    },
    async delete(id: string): Promise<void> {
      await sessions.deleteOne({ _id: id });
    },
    /** Forgets sessions idle since before `cutoff` (FerretDB has no TTL indexes). */
    async deleteIdleSince(cutoff: Date): Promise<number> {
      const { deletedCount } = await sessions.deleteMany({ lastSeenAt: { $lt: cutoff } });
      return deletedCount;
    },
  };
}

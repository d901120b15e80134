import type { Db, ObjectId } from "mongodb";

/**
 * A console session. Its `_id` is the SHA-256 of the cookie's secret (the secret itself is
 * never stored). `lastSeenAt` moves at most once a minute; a refresh lost to a concurrent
 * write (FerretDB, ADR 0001) only makes the session end up to a minute early.
 */
export interface SessionDoc {
  _id: string;
  accountId: ObjectId;
  /** The admin token it was opened with: its rights, and the actor of what it changes. */
  tokenId: ObjectId;
  createdAt: Date;
  lastSeenAt: Date;
}

export function sessionsRepository(db: Db) {
  const sessions = db.collection<SessionDoc>("sessions");
  return {
    async create(doc: SessionDoc): Promise<void> {
      await sessions.insertOne(doc);
    },
    findById: (id: string) => sessions.findOne({ _id: id }),
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

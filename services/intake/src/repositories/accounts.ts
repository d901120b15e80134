import { type Db, ObjectId } from "mongodb";
import type { AccountDoc } from "./documents.js";
import type { Account } from "./entities.js";
import { hex, objectIdOrUndefined, optional } from "./ids.js";

/** Accounts are read only through here (ingest, authentication, rate limits, management). */
export function accountsRepository(db: Db) {
  const accounts = db.collection<AccountDoc>("accounts");
  return {
    async create(input: { name: string; language: string }, now: Date): Promise<Account> {
      const doc: AccountDoc = { _id: new ObjectId(), ...input, createdAt: now, updatedAt: now };
      await accounts.insertOne(doc);
      return toAccount(doc);
    },
    async findById(id: string): Promise<Account | null> {
      const _id = objectIdOrUndefined(id);
      const doc = _id ? await accounts.findOne({ _id }) : null;
      return doc ? toAccount(doc) : null;
    },
    async update(
      id: string,
      changes: Partial<Pick<Account, "name" | "language">>,
      now: Date,
    ): Promise<Account | null> {
      const _id = objectIdOrUndefined(id);
      const doc = _id
        ? await accounts.findOneAndUpdate(
            { _id },
            { $set: { ...changes, updatedAt: now } },
            { returnDocument: "after" },
          )
        : null;
      return doc ? toAccount(doc) : null;
    },
    count: () => accounts.countDocuments({}),
  };
}

function toAccount(doc: AccountDoc): Account {
  return {
    id: hex(doc._id),
    name: doc.name,
    language: doc.language,
    ...optional("rateLimitPerMinute", doc.rateLimitPerMinute),
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}

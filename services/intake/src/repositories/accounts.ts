import { type Db, ObjectId } from "mongodb";
import type { AccountDoc } from "./documents.js";
import type { Account } from "./entities.js";
import { hex, type Nullable, objectIdOrUndefined, optional, setOrUnset } from "./ids.js";

/** The settings an account update changes; `null` removes one (the default applies again). */
export type AccountChanges = Nullable<
  Partial<Pick<Account, "name" | "language" | "rateLimitPerMinute">>
>;

/** Accounts are read only through here (ingest, authentication, rate limits, management). */
export function accountsRepository(db: Db) {
  const accounts = db.collection<AccountDoc>("accounts");
  return {
    /** A new account, marked unfinished until completeSetup (bootstrap.ts). */
    async create(input: { name: string; language: string }, now: Date): Promise<Account> {
      const doc: AccountDoc = {
        _id: new ObjectId(),
        ...input,
        setupPending: true,
        createdAt: now,
        updatedAt: now,
      };
      await accounts.insertOne(doc);
      return toAccount(doc);
    },
    /** An account whose set-up did not finish (the oldest), for `sqibs init` to finish. */
    async findSetupPending(): Promise<Account | null> {
      const [doc] = await accounts.find({ setupPending: true }).sort({ _id: 1 }).limit(1).toArray();
      return doc ? toAccount(doc) : null;
    },
    async completeSetup(id: string): Promise<void> {
      const _id = objectIdOrUndefined(id);
      if (_id) await accounts.updateOne({ _id }, { $unset: { setupPending: "" } });
    },
    async findById(id: string): Promise<Account | null> {
      const _id = objectIdOrUndefined(id);
      const doc = _id ? await accounts.findOne({ _id }) : null;
      return doc ? toAccount(doc) : null;
    },
    async update(id: string, changes: AccountChanges, now: Date): Promise<Account | null> {
      const _id = objectIdOrUndefined(id);
      const doc = _id
        ? await accounts.findOneAndUpdate({ _id }, setOrUnset(changes, { updatedAt: now }), {
            returnDocument: "after",
          })
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
    ...(doc.setupPending ? { setupPending: true as const } : {}),
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}

import { type Db, ObjectId } from "mongodb";
import type { AccountDoc } from "./documents.js";

export function accountsRepository(db: Db) {
  const accounts = db.collection<AccountDoc>("accounts");
  return {
    async create(input: { name: string; language: string }, now: Date): Promise<AccountDoc> {
      const doc: AccountDoc = { _id: new ObjectId(), ...input, createdAt: now, updatedAt: now };
      await accounts.insertOne(doc);
      return doc;
    },
    findById: (id: ObjectId) => accounts.findOne({ _id: id }),
    async update(id: ObjectId, changes: Partial<Pick<AccountDoc, "name" | "language">>, now: Date) {
      return accounts.findOneAndUpdate(
        { _id: id },
        { $set: { ...changes, updatedAt: now } },
        { returnDocument: "after" },
      );
    },
    count: () => accounts.countDocuments({}),
  };
}

import { type Db, ObjectId } from "mongodb";
import type { ServiceDoc } from "./documents.js";

export type NewService = Omit<ServiceDoc, "_id" | "createdAt" | "updatedAt">;

export function servicesRepository(db: Db) {
  const services = db.collection<ServiceDoc>("services");
  return {
    async create(input: NewService, now: Date): Promise<ServiceDoc> {
      const doc: ServiceDoc = { _id: new ObjectId(), ...input, createdAt: now, updatedAt: now };
      await services.insertOne(doc);
      return doc;
    },
    findInAccount: (accountId: ObjectId, id: ObjectId) => services.findOne({ _id: id, accountId }),
    listByAccount: (accountId: ObjectId) => services.find({ accountId }).sort({ _id: 1 }).toArray(),
    async update(
      accountId: ObjectId,
      id: ObjectId,
      set: Partial<ServiceDoc>,
      unset: string[],
      now: Date,
    ) {
      const update: Record<string, unknown> = { $set: { ...set, updatedAt: now } };
      if (unset.length) update.$unset = Object.fromEntries(unset.map((field) => [field, ""]));
      return services.findOneAndUpdate({ _id: id, accountId }, update, { returnDocument: "after" });
    },
    async delete(accountId: ObjectId, id: ObjectId): Promise<boolean> {
      const result = await services.deleteOne({ _id: id, accountId });
      return result.deletedCount === 1;
    },
  };
}

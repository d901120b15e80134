import { type Db, ObjectId } from "mongodb";
import type { RequestDoc } from "./documents.js";

export function requestsRepository(db: Db) {
  const requests = db.collection<RequestDoc>("requests");
  return {
    async create(input: Omit<RequestDoc, "_id">): Promise<RequestDoc> {
      const doc: RequestDoc = { _id: new ObjectId(), ...input };
      await requests.insertOne(doc);
      return doc;
    },
    findInAccount: (accountId: ObjectId, id: ObjectId) => requests.findOne({ _id: id, accountId }),
    listPage: (accountId: ObjectId, before: ObjectId | undefined, limit: number) =>
      requests
        .find({ accountId, ...(before ? { _id: { $lt: before } } : {}) })
        .sort({ _id: -1 })
        .limit(limit)
        .toArray(),
  };
}

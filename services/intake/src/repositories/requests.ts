import { type Db, ObjectId } from "mongodb";
import { isDuplicateKey } from "./database.js";
import type { RequestDoc } from "./documents.js";
import type { InsertBatches } from "./insert-batches.js";

export function requestsRepository(db: Db, batches: InsertBatches) {
  const requests = db.collection<RequestDoc>("requests");
  return {
    /** Inserts once per delivery: a retry of a delivery that was stored gets the stored one. */
    async create(input: Omit<RequestDoc, "_id">): Promise<RequestDoc> {
      const doc: RequestDoc = { _id: new ObjectId(), ...input };
      try {
        await batches.insert(requests, doc);
        return doc;
      } catch (error) {
        const stored = isDuplicateKey(error)
          ? await requests.findOne({ deliveryId: input.deliveryId })
          : null;
        if (stored) return stored;
        throw error;
      }
    },
    findInAccount: (accountId: ObjectId, id: ObjectId) => requests.findOne({ _id: id, accountId }),
    /** Newest first, without payloads; paging by _id keeps pages stable. */
    listPage: (
      accountId: ObjectId,
      before: ObjectId | undefined,
      limit: number,
    ): Promise<Omit<RequestDoc, "payload">[]> =>
      requests
        .find(
          { accountId, ...(before ? { _id: { $lt: before } } : {}) },
          { projection: { payload: 0 } },
        )
        .sort({ _id: -1 })
        .limit(limit)
        .toArray(),
  };
}

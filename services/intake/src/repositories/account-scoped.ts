import type { Collection, Filter, ObjectId } from "mongodb";
import { inAccount, toObjectId } from "./ids.js";

/**
 * The two reads every account-owned collection has: one document by id (null for a malformed
 * id or another account's), and all of the account's, oldest first.
 */
/** What such a collection stores: its documents are keyed by ObjectId and carry their account. */
interface AccountOwned {
  _id: ObjectId;
  accountId: ObjectId;
}

export function accountScopedReads<D extends AccountOwned, E>(
  collection: Collection<D>,
  toEntity: (doc: D) => E,
): {
  findInAccount(accountId: string, id: string): Promise<E | null>;
  listByAccount(accountId: string): Promise<E[]>;
} {
  return {
    async findInAccount(accountId, id) {
      const filter = inAccount(accountId, id);
      const doc = filter
        ? await collection.findOne(filter as Filter<AccountOwned> as Filter<D>)
        : null;
      return doc ? toEntity(doc as D) : null;
    },
    async listByAccount(accountId) {
      const docs = await collection
        .find({ accountId: toObjectId(accountId) } as Filter<AccountOwned> as Filter<D>)
        .sort({ _id: 1 })
        .toArray();
      return docs.map((doc) => toEntity(doc as D));
    },
  };
}

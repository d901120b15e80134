import { type Db, type Filter, ObjectId } from "mongodb";
import type { ApiLogDoc } from "./documents.js";
import type { InsertBatches } from "./insert-batches.js";

export interface ApiLogListQuery {
  accountId: ObjectId;
  tokenId?: ObjectId;
  before?: ObjectId;
  limit: number;
}

/** The API call log: one document per logged ingest call, never updated. */
export function apiLogsRepository(db: Db, batches: InsertBatches) {
  const logs = db.collection<ApiLogDoc>("api_logs");
  return {
    async append(input: Omit<ApiLogDoc, "_id"> & { _id?: ObjectId }): Promise<ApiLogDoc> {
      const doc: ApiLogDoc = { ...input, _id: input._id ?? new ObjectId() };
      await batches.insert(logs, doc);
      return doc;
    },

    /** Newest first; paging by _id keeps pages stable while new entries arrive. */
    listPage(query: ApiLogListQuery): Promise<ApiLogDoc[]> {
      const filter: Filter<ApiLogDoc> = { accountId: query.accountId };
      if (query.tokenId) filter.tokenId = query.tokenId;
      if (query.before) filter._id = { $lt: query.before };
      return logs.find(filter).sort({ _id: -1 }).limit(query.limit).toArray();
    },
  };
}

import { type Db, type Filter, ObjectId } from "mongodb";
import type { ApiLogDoc } from "./documents.js";
import type { ApiLogEntry, ApiLogFields } from "./entities.js";
import { hex, toObjectId } from "./ids.js";
import type { InsertBatches } from "./insert-batches.js";

export interface ApiLogListQuery {
  accountId: string;
  tokenId?: string;
  before?: string;
  limit: number;
}

/** The API call log: one document per logged ingest call, never updated. */
export function apiLogsRepository(db: Db, batches: InsertBatches) {
  const logs = db.collection<ApiLogDoc>("api_logs");
  return {
    async append(entry: Omit<ApiLogEntry, "id"> & { id?: string }): Promise<ApiLogEntry> {
      const { id, ...fields } = entry;
      const doc: ApiLogDoc = {
        _id: id ? toObjectId(id) : new ObjectId(),
        ...withIds(fields, toObjectId),
      };
      await batches.insert(logs, doc);
      return toEntry(doc);
    },

    /** Newest first; paging by id keeps pages stable while new entries arrive. */
    async listPage(query: ApiLogListQuery): Promise<ApiLogEntry[]> {
      const filter: Filter<ApiLogDoc> = { accountId: toObjectId(query.accountId) };
      if (query.tokenId) filter.tokenId = toObjectId(query.tokenId);
      if (query.before) filter._id = { $lt: toObjectId(query.before) };
      const docs = await logs.find(filter).sort({ _id: -1 }).limit(query.limit).toArray();
      return docs.map(toEntry);
    },
  };
}

function toEntry({ _id, ...fields }: ApiLogDoc): ApiLogEntry {
  return { id: hex(_id), ...withIds(fields, hex) };
}

/** The entry with every id converted (to its stored form, or back). */
function withIds<A, B>(entry: ApiLogFields<A>, convert: (id: A) => B): ApiLogFields<B> {
  return {
    ...entry,
    accountId: convert(entry.accountId),
    tokenId: convert(entry.tokenId),
    decisions: entry.decisions.map(({ serviceId, incidentId, ...decision }) => ({
      ...decision,
      serviceId: convert(serviceId),
      ...(incidentId !== undefined ? { incidentId: convert(incidentId) } : {}),
    })),
  };
}

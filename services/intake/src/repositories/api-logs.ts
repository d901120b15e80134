import { type Db, type Filter, ObjectId } from "mongodb";
import type { ApiLogDoc } from "./documents.js";
import type { ApiLogEntry } from "./entities.js";
import { hex, optional, toObjectId } from "./ids.js";
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
      const doc: ApiLogDoc = {
        _id: entry.id ? toObjectId(entry.id) : new ObjectId(),
        accountId: toObjectId(entry.accountId),
        tokenId: toObjectId(entry.tokenId),
        endpoint: entry.endpoint,
        at: entry.at,
        ...optional("from", entry.from),
        contentType: entry.contentType,
        bodySize: entry.bodySize,
        decisions: entry.decisions.map((decision) => ({
          serviceId: toObjectId(decision.serviceId),
          kind: decision.kind,
          ...optional("reason", decision.reason),
          ...(decision.incidentId ? { incidentId: toObjectId(decision.incidentId) } : {}),
        })),
        status: entry.status,
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

function toEntry(doc: ApiLogDoc): ApiLogEntry {
  return {
    id: hex(doc._id),
    accountId: hex(doc.accountId),
    tokenId: hex(doc.tokenId),
    endpoint: doc.endpoint,
    at: doc.at,
    ...optional("from", doc.from),
    contentType: doc.contentType,
    bodySize: doc.bodySize,
    decisions: doc.decisions.map((decision) => ({
      serviceId: hex(decision.serviceId),
      kind: decision.kind,
      ...optional("reason", decision.reason),
      ...(decision.incidentId ? { incidentId: hex(decision.incidentId) } : {}),
    })),
    status: doc.status,
  };
}

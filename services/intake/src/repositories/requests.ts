import { payloadText } from "@sqibs/domain";
import { type Db, type Filter, ObjectId } from "mongodb";
import { accountScopedReads } from "./account-scoped.js";
import { isDuplicateKey } from "./database.js";
import type { RequestDoc } from "./documents.js";
import type { ServiceRequest, ServiceRequestListing, StoredPayload } from "./entities.js";
import { bytesOf, hex, optional, toBinary, toObjectId } from "./ids.js";
import type { InsertBatches } from "./insert-batches.js";

export interface NewServiceRequest extends Omit<ServiceRequest, "id" | "description"> {
  /** Absent: the description is the whole payload's text (stored once, as the payload). */
  description?: string;
  /** The delivery that creates it: a retried delivery finds it instead of creating another. */
  deliveryId: string;
}

export function requestsRepository(db: Db, batches: InsertBatches) {
  const requests = db.collection<RequestDoc>("requests");
  return {
    ...accountScopedReads(requests, toRequest),
    /** Inserts once per delivery: a retry of a delivery that was stored gets the stored one. */
    async create(input: NewServiceRequest): Promise<ServiceRequest> {
      const { accountId, tokenId, payload, ...fields } = input;
      const doc: RequestDoc = {
        _id: new ObjectId(),
        accountId: toObjectId(accountId),
        tokenId: toObjectId(tokenId),
        ...fields,
        payload: { contentType: payload.contentType, body: toBinary(payload.body) },
      };
      try {
        await batches.insert(requests, doc);
        return toRequest(doc);
      } catch (error) {
        const stored = isDuplicateKey(error)
          ? await requests.findOne({ accountId: doc.accountId, deliveryId: input.deliveryId })
          : null;
        if (stored) return toRequest(stored);
        throw error;
      }
    },
    /**
     * Newest first, without payloads (a description stored as the payload is read with it);
     * paging by id keeps pages stable.
     */
    async listPage(
      accountId: string,
      before: string | undefined,
      limit: number,
    ): Promise<ServiceRequestListing[]> {
      const filter: Filter<RequestDoc> = { accountId: toObjectId(accountId) };
      if (before) filter._id = { $lt: toObjectId(before) };
      const docs = await requests.find(filter).sort({ _id: -1 }).limit(limit).toArray();
      return docs.map(toListing);
    },
  };
}

function toListing(doc: RequestDoc): ServiceRequestListing {
  return {
    id: hex(doc._id),
    accountId: hex(doc.accountId),
    tokenId: hex(doc.tokenId),
    title: doc.title,
    description: doc.description ?? payloadText(bytesOf(doc.payload.body), doc.payload.contentType),
    ...optional("workflowId", doc.workflowId),
    ...optional("source", doc.source),
    createdAt: doc.createdAt,
  };
}

function toRequest(doc: RequestDoc): ServiceRequest {
  const payload: StoredPayload = {
    contentType: doc.payload.contentType,
    body: bytesOf(doc.payload.body),
  };
  return { ...toListing(doc), payload };
}
